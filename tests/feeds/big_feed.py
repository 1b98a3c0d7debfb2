"""A large Atom feed, like a publisher that never trims its archive: each entry has an id, a title, a paragraph
of HTML and an image, so that turning it into a request costs a real HTML-to-Markdown conversion."""

from __future__ import annotations

from html import escape

ENTRY = """  <entry>
    <title>Field note {index}</title>
    <id>urn:entry:note-{index}</id>
    <link href="{base}/notes/{index}.html"/>
    <updated>2026-11-{day:02d}T08:00:00Z</updated>
    <content type="html">{html}</content>
  </entry>
"""
PARAGRAPH = (
    "<p>Note {index}: the survey team crossed the ridge at dawn and logged <strong>{index}</strong> readings "
    'before the wind picked up.</p><p><img src="/media/note-{index}.jpg" alt="ridge {index}"></p>'
)


def atom_feed(base: str, entries: int) -> str:
    """`entries` distinct entries, newest first; entry ids are `urn:entry:note-<index>`."""
    body = "".join(
        ENTRY.format(
            index=index, base=base, day=1 + index % 28, html=escape(PARAGRAPH.format(index=index), quote=False)
        )
        for index in range(entries)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
        f'  <title>Survey archive</title>\n  <id>urn:feed:survey</id>\n  <link href="{base}/"/>\n{body}</feed>\n'
    )
