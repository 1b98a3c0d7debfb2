"""Deterministic object keys `requests/<id>/<stage>/...` that no caller can steer outside their prefix."""

from __future__ import annotations

import re

_PARTITION_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SEGMENT = re.compile(r"^[A-Za-z0-9._-]{1,200}$")
STAGES = ("media_items", "media_analyses", "video_scripts", "rendered_videos", "inputs", "tmp", "review")


class InvalidKey(ValueError):
    pass


def validate_key(key: str) -> str:
    if not key or key.startswith("/") or "\\" in key or "\x00" in key:
        raise InvalidKey(f"object key {key!r} must be a relative POSIX path")
    for segment in key.split("/"):
        if segment in ("", ".", "..") or not _SEGMENT.match(segment):
            raise InvalidKey(f"object key {key!r} has an invalid segment {segment!r}")
    return key


def request_key(request_id: str, stage: str, *parts: str) -> str:
    if not _PARTITION_KEY.match(request_id):
        raise InvalidKey(f"request id {request_id!r} must match [A-Za-z0-9_-]")
    if stage not in STAGES:
        raise InvalidKey(f"unknown stage {stage!r}")
    return validate_key("/".join(("requests", request_id, stage, *parts)))
