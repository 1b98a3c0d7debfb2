"""Text from requests and models is inert in the UI's Markdown; only our own links and previews are live.

Rendered here with markdown-it-py (CommonMark + tables, the project's own Markdown parser). The UI's GFM renderer
also turns bare URLs and e-mail addresses into links; tests/ui/test_ui_links.py checks those in real Chromium.
"""

from __future__ import annotations

import html
import itertools
import re

import dagster as dg
import pytest
from markdown_it import MarkdownIt

from sensors.requests import REQUEST_TITLE_TAG, STAGE_ORDER, request_run_tags
from video_assets.assets.lineage import lineage_metadata
from video_assets.assets.tables import markdown_table
from video_assets.db.models import VideoRequest
from video_assets.definitions import defs
from video_assets.labels import TAG_VALUE_CHARS, one_line
from video_assets.safe_markdown import escape, image, link

HOSTILE = [
    "![x](http://outside.example/pixel.png)",
    '<img src="http://outside.example/pixel.png" onerror="alert(1)">',
    "[click me](javascript:alert(1)) and [ref][r]\n\n[r]: http://outside.example/ref.png",
    "<http://outside.example/autolink> www.outside.example/page someone@outside.example",
    "a | b \\| c `code` ``more`` **bold** _it_ ~~gone~~",
    "&lt;tag&gt; &#x3C;img&#x3E; &amp;",
    "# heading\n- list\n> quote\n1. one\n---\n===",
    "<script>fetch('http://outside.example/')</script>",
    "商品图！[图](http://outside.example/图.png)（见下）",
    "trailing backslash \\",
]
# What GFM's autolink-literal extension (the UI's renderer) starts a link at.
AUTOLINK_LITERAL = re.compile(r"(?i)https?://|www\.|[\w.+-]@")
WORD_JOINER = "\u2060"
PARSER = MarkdownIt("commonmark").enable("table")


def rendered_text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_renders_as_exactly_its_own_text_with_no_link_image_or_tag(text: str) -> None:
    rendered = PARSER.render(escape(text))

    assert re.findall(r"<(\w+)", rendered) == ["p"], rendered
    shown = rendered_text(rendered).strip()
    assert shown.replace(WORD_JOINER, "") == " ".join(text.split())
    assert not AUTOLINK_LITERAL.search(shown), shown


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_stays_inside_its_own_table_cell(text: str) -> None:
    rendered = PARSER.render(markdown_table(["material", "description"], [["#1", text], ["#2", "plain"]]))

    cells = re.findall(r"<td>(.*?)</td>", rendered)
    assert len(cells) == 4 and rendered.count("<tr>") == 3, rendered
    assert not re.search(r"<(a|img|script)\b", rendered), rendered
    assert rendered_text(cells[1]).replace(WORD_JOINER, "") == " ".join(text.split())


def test_our_own_links_and_inline_previews_stay_live_with_escaped_labels() -> None:
    url = "http://ui.example/assets/media_items?view=partitions&partition=req_1 (x)"
    rendered = PARSER.render(markdown_table(["material"], [[link("#1 ![i](http://x/)", url)]]))

    [anchor] = re.findall(r'<a href="([^"]+)">(.*?)</a>', rendered)
    assert anchor[0] == "http://ui.example/assets/media_items?view=partitions&amp;partition=req_1%20%28x%29"
    assert rendered_text(anchor[1]) == "#1 ![i](http:\u2060//x/)"
    preview = PARSER.render(image("#1", "data:image/jpeg;base64,AAAA"))
    assert '<img src="data:image/jpeg;base64,AAAA" alt="#1" />' in preview


def test_an_inline_preview_that_would_make_the_browser_fetch_is_refused() -> None:
    with pytest.raises(ValueError, match="data:image/"):
        image("#1", "http://outside.example/pixel.png")


def test_a_title_becomes_one_visible_line_of_at_most_63_characters_as_a_run_tag() -> None:
    title = "实验室\u202e报告\n第二行\t" + "长" * 100
    request = VideoRequest(id="req_1", title=title)

    tag = request_run_tags(request)[REQUEST_TITLE_TAG]

    assert tag.startswith("实验室 报告 第二行 长") and tag.endswith("…") and len(tag) == TAG_VALUE_CHARS
    assert request_run_tags(VideoRequest(id="req_2", title="短标题"))[REQUEST_TITLE_TAG] == "短标题"
    assert one_line("  a \n b  ", 10) == "a b"


def test_lineage_links_follow_the_asset_graph_to_the_same_partition(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = defs.resolve_asset_graph()
    for upstream, downstream in itertools.pairwise(STAGE_ORDER):
        assert dg.AssetKey(upstream) in graph.get(dg.AssetKey(downstream)).parent_keys
    monkeypatch.setenv("VIDEO_ASSETS_UI_URL", "https://ops.example/dagster/")

    metadata = lineage_metadata("media_analyses", "req_1", "标题 ![x](http://outside.example/p.png)")

    page = "https://ops.example/dagster/assets/{}?view=partitions&partition=req_1"
    assert metadata == {
        "request_title": dg.MetadataValue.text("标题 ![x](http://outside.example/p.png)"),
        "upstream media_items": dg.MetadataValue.url(page.format("media_items")),
        "downstream video_scripts": dg.MetadataValue.url(page.format("video_scripts")),
    }
    assert set(lineage_metadata("media_items", "req_1", "t")) == {"request_title", "downstream media_analyses"}
    assert set(lineage_metadata("rendered_videos", "req_1", "t")) == {
        "request_title",
        "upstream video_scripts",
        "downstream editable_exports",
    }
    assert set(lineage_metadata("editable_exports", "req_1", "t")) == {"request_title", "upstream rendered_videos"}
