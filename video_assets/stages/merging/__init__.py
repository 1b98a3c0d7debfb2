"""External merge: submit a variant's timeline once, then reconcile pending jobs into stored, verified videos."""

from video_assets.stages.merging.context import MergeContext, StoreUnreachable, require_reachable_store
from video_assets.stages.merging.reconcile import ReconcileReport, count_open_jobs, reconcile_pass
from video_assets.stages.merging.submit import submit_variant

__all__ = [
    "MergeContext",
    "ReconcileReport",
    "StoreUnreachable",
    "count_open_jobs",
    "reconcile_pass",
    "require_reachable_store",
    "submit_variant",
]
