"""`video-assets list` as a table: one line per request, then the counts per status."""

from __future__ import annotations

from video_assets.service import RequestListing

TITLE_CHARS = 60


def format_listing(listing: RequestListing) -> str:
    lines = [f"{'id':<26} {'status':<15} {'stage':<16} {'age':>6}  title"]
    for row in listing.requests:
        stage, age = row.stage or "-", _age(row.age_seconds)
        lines.append(f"{row.id:<26} {row.status:<15} {stage:<16} {age:>6}  {row.title[:TITLE_CHARS]}")
    if not listing.requests:
        lines.append("(no requests match)")
    counts = "  ".join(f"{status} {count}" for status, count in listing.counts.items())
    window = f" created since {listing.since:%Y-%m-%d %H:%M:%S %Z}" if listing.since else ""
    lines.append(f"counts{window}: {counts}  (total {sum(listing.counts.values())})")
    return "\n".join(lines)


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size:.0f}{unit}"
    return f"{max(seconds, 0):.0f}s"
