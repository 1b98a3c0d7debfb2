"""Getting one JSON object out of a model's reply, which may wrap it in prose or Markdown code fences."""

from __future__ import annotations

import json
import re
from typing import Any

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)


def extract_json_object(reply: str) -> dict[str, Any]:
    """The JSON object in `reply`; raises ValueError with a short reason when there is none."""
    if not reply or not reply.strip():
        raise ValueError("the reply is empty")
    candidates = [match.group(1) for match in _FENCE.finditer(reply)] + [reply]
    for candidate in candidates:
        start, end = candidate.find("{"), candidate.rfind("}")
        if start < 0 or end <= start:
            continue
        text = candidate[start : end + 1]
        for attempt in (text, re.sub(r",\s*([}\]])", r"\1", text)):  # models often leave a trailing comma
            try:
                value = json.loads(attempt)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value
    raise ValueError(f"the reply is not a JSON object: {reply.strip()[:200]!r}")
