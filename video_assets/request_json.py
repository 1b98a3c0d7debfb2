"""A request as submitted: JSON text to a validated VideoRequestSpec, or RequestRejected naming each problem.

The standard json module recurses once per nesting level and keeps the last of repeated keys; both are checked here
first, so hostile input gets a refusal instead of a RecursionError, and a key given twice is never silently
dropped.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError

from video_assets.request_schema import VideoRequestSpec

# The schema's deepest value (materials[i].uri) sits at depth 3.
MAX_JSON_DEPTH = 8
_STRUCTURE = re.compile(r'[\[\]{}"]')
# Possessive, and a string only ever scanned once: the scan below stops at the first unterminated string.
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)


class RequestRejected(ValueError):
    """The request is refused; `problems` are `field: rule` lines, nothing having been written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load_request(text: str) -> VideoRequestSpec:
    return spec_from(load_json(text))


def load_json(text: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """JSON text as Python values, refusing what json.loads would take silently: nesting past `max_depth`, a key
    given twice in one object, NaN and Infinity."""
    depth = json_depth(text)
    if depth > max_depth:
        raise RequestRejected([f"request: JSON nested {depth} levels deep; at most {max_depth} are allowed"])
    try:
        return json.loads(text, object_pairs_hook=_object_without_repeated_keys, parse_constant=_no_constant)
    except _RepeatedKey as repeated:
        raise RequestRejected([f"{repeated.key}: given more than once in the same JSON object"]) from None
    except ValueError as error:  # JSONDecodeError, and integers longer than Python converts
        raise RequestRejected([f"request: not valid JSON ({error})"]) from None


def spec_from(raw: Any) -> VideoRequestSpec:
    """A parsed JSON value as a validated request."""
    if not isinstance(raw, dict):
        raise RequestRejected([f"request: must be a JSON object, got {type(raw).__name__}"])
    try:
        return VideoRequestSpec.model_validate(raw)
    except ValidationError as error:
        raise RequestRejected(describe_validation_error(error)) from None


def describe_validation_error(error: ValidationError) -> list[str]:
    """One `field.path: message` line per problem; field names are printed escaped, never raw."""
    lines = []
    for problem in error.errors():
        field = ".".join(_printable(str(part)) for part in problem["loc"]) or "request"
        lines.append(f"{field}: {problem['msg']}")
    return lines


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest, outside strings, in one linear scan. An unterminated string ends the
    scan: the text is not JSON, and json.loads says so without recursing."""
    depth = deepest = position = 0
    while (found := _STRUCTURE.search(text, position)) is not None:
        char = found.group()
        if char == '"':
            string = _STRING.match(text, found.start())
            if string is None:
                break
            position = string.end()
            continue
        depth = depth + 1 if char in "[{" else depth - 1
        deepest = max(deepest, depth)
        position = found.end()
    return deepest


class _RepeatedKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = _printable(key)


def _object_without_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _RepeatedKey(key)
        found[key] = value
    return found


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _printable(name: str) -> str:
    return name if name.isprintable() else repr(name)
