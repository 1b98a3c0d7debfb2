"""Every run of a request follows the pipeline's rules, however it was launched.

The request sensor and the CLI launch `video_pipeline` with the request's tags. The UI's "Materialize" and
"Launch backfill" on the asset graph launch `__ASSET_JOB` instead, and a re-execution copies only some tags; Dagster
has no hook that adds tags to those launches (job tags belong to one job, asset tags never reach runs). So the first
step of every run adopts it: it adds the tags the run lacks (`instance.add_run_tags`, which the daemon's run monitoring
reads on each pass, so `dagster/max_runtime` holds from then on) and records on the request which run took it over
and what launched that run. The step does this before any work and inside the run, so it holds without the daemon
(in-process CLI runs) and can never come after the run it describes, as a run status sensor's tick could.
"""

from collections.abc import Mapping

import dagster as dg

from sensors.launch import HOST_TAG, PID_TAG
from sensors.requests import request_run_tags
from video_assets.db.models import VideoRequest

# Dagster's own run tags (dagster._core.storage.tags; stable strings, but not exported by the public API).
BACKFILL_TAG = "dagster/backfill"
SENSOR_TAG = "dagster/sensor_name"
SCHEDULE_TAG = "dagster/schedule_name"
PARENT_RUN_TAG = "dagster/parent_run_id"
RETRY_NUMBER_TAG = "dagster/retry_number"
# (run tag, key in the event's data, words in its message), in the order the message names them.
ORIGINS = (
    (BACKFILL_TAG, "backfill_id", "backfill {}"),
    (SENSOR_TAG, "sensor", "sensor {}"),
    (SCHEDULE_TAG, "schedule", "schedule {}"),
    (HOST_TAG, "cli_host", "the video-assets CLI on {}"),
    (PID_TAG, "cli_pid", "pid {}"),
    (PARENT_RUN_TAG, "parent_run_id", "re-execution of run {}"),
    (RETRY_NUMBER_TAG, "retry_number", "automatic retry {}"),
)


def add_missing_tags(context: dg.OpExecutionContext | dg.AssetExecutionContext, request: VideoRequest) -> None:
    run = context.run
    missing = {key: value for key, value in request_run_tags(request).items() if key not in run.tags}
    if missing:
        context.instance.add_run_tags(run.run_id, missing)
        context.log.info(f"request_id={request.id} run tags added: {missing}")


def launch_origin(job_name: str, tags: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """What launched a run, in words and as event data: a backfill, a sensor, a schedule, the CLI, a re-execution
    (an automatic retry of the daemon included) or, with none of their tags, a launch from the UI or GraphQL."""
    words = [template.format(tags[tag]) for tag, _, template in ORIGINS if tag in tags]
    data = {"job": job_name} | {key: tags[tag] for tag, key, _ in ORIGINS if tag in tags}
    return ", ".join(words) or "a launch from the UI or the GraphQL API", data
