"""Short one-line labels from free text (request titles, model output) for table cells and Dagster run tags."""

from __future__ import annotations

import unicodedata

# Dagster documents 63 characters as the limit of a tag value; the runs table shows such a value whole.
TAG_VALUE_CHARS = 63


def one_line(text: str, limit: int) -> str:
    """`text` on one line, with control and invisible format characters turned into spaces (a newline or a
    bidirectional override in a title must not break or reorder what the UI shows), cut to `limit` characters."""
    visible = "".join(" " if unicodedata.category(char).startswith("C") else char for char in text)
    flat = " ".join(visible.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def tag_value(text: str) -> str:
    """Free text as a run tag value: one line, at most Dagster's 63 characters."""
    return one_line(text, TAG_VALUE_CHARS)
