"""The external merge interface: submit a timeline, get a job id back at once, poll jobs in batches.

Easegen is the first backend; Aliyun IMS (`SubmitMediaProducingJob` -> JobId, `GetMediaProducingJob` ->
Init|Processing|Success|Failed + MediaURL) fits the same three calls, so a third backend never touches the assets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from video_assets.redaction import redact


class JobState(StrEnum):
    PENDING = "pending"  # accepted, not started (Easegen 0 draft, IMS Init)
    RUNNING = "running"  # merging (Easegen 1, IMS Processing)
    DONE = "done"  # result ready (Easegen 2, IMS Success)
    FAILED = "failed"  # the vendor gave up, or has no record of the job (Easegen 3, IMS Failed)
    # The vendor's entry for the job could not be read (unknown status, malformed row): the job backs off and is asked
    # again, and its deadline still holds; one bad entry never settles or stops the others.
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class MergeScene:
    order_no: int
    background_url: str  # a time-limited URL into our own object store
    narration: str
    voice: str | None = None
    duration: float | None = None


@dataclass(frozen=True)
class MergeSubmission:
    name: str
    aspect: str
    width: int
    height: int
    subtitles_style: dict[str, Any]
    scenes: list[MergeScene]


@dataclass(frozen=True)
class JobStatus:
    job_id: str
    state: JobState
    progress: float = 0.0  # 0..1
    video_url: str | None = None
    thumbnail_url: str | None = None
    subtitles_url: str | None = None
    duration: float | None = None
    reason: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


class MergeVendorError(Exception):
    """A vendor call failed. `transient` is True for connection errors, timeouts, 429 and 5xx, and
    `delivered` is False only when the vendor certainly did not receive a submission (so resubmitting is safe)."""

    def __init__(self, message: str, transient: bool, delivered: bool | None = None) -> None:
        super().__init__(redact(message))  # a vendor may echo the key back in an error page
        self.transient = transient
        self.delivered = delivered

    def __reduce__(self) -> tuple[type[MergeVendorError], tuple[str, bool, bool | None]]:
        return (MergeVendorError, (str(self), self.transient, self.delivered))


class MergeBackend(Protocol):
    name: str
    max_batch: int
    # URLs whose hosts may serve finished results (besides our object store); anything else is refused on import.
    result_origins: tuple[str, ...]

    def submit(self, submission: MergeSubmission) -> str:
        """Hand the timeline over; returns the vendor's job id. Raises MergeVendorError."""

    def poll(self, job_ids: Sequence[str]) -> dict[str, JobStatus]:
        """Status of at most `max_batch` jobs, one entry per id asked; an id the vendor does not know is FAILED."""

    def resubmit(self, job_id: str) -> None:
        """Ask the vendor to merge a failed job again under the same id."""
