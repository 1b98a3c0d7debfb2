"""External merge backends behind one interface (see base.py); Easegen is the first."""

from video_assets.merge.base import JobState, JobStatus, MergeBackend, MergeScene, MergeSubmission, MergeVendorError
from video_assets.merge.easegen import EasegenBackend

__all__ = [
    "EasegenBackend",
    "JobState",
    "JobStatus",
    "MergeBackend",
    "MergeScene",
    "MergeSubmission",
    "MergeVendorError",
]
