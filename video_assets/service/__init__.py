"""The service behind every door (CLI, feeds, a future HTTP API and MCP): validate and list, as plain functions."""

from video_assets.service.listing import (
    REQUEST_STATUSES,
    ListFilterError,
    RequestListing,
    RequestSummary,
    list_requests,
    parse_span,
)
from video_assets.service.validation import intake_problems, request_problems

__all__ = [
    "REQUEST_STATUSES",
    "ListFilterError",
    "RequestListing",
    "RequestSummary",
    "intake_problems",
    "list_requests",
    "parse_span",
    "request_problems",
]
