"""The cancelled-run sensor, called as the daemon calls it: a cancelled pipeline run cancels its request."""

from __future__ import annotations

from collections.abc import Iterator

import dagster as dg
import pytest

from resources.database import DatabaseResource
from sensors.cancellations import cancelled_run_sensor
from tests.pipeline.helpers import submit
from tests.production.runs import pipeline_run, started_run, status_of
from video_assets.db.engine import session_scope
from video_assets.db.repository import finish, get_request, start_stage


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as instance:
        yield instance


def processing_request(database_url: str) -> str:
    request_id = submit(database_url)
    with session_scope(database_url) as session:
        start_stage(session, request_id, "media_analyses")
    return request_id


def cancel_run(instance: dg.DagsterInstance, database_url: str, run: dg.DagsterRun, message: str) -> None:
    """Cancel the run through the instance, then evaluate the sensor on that event as the daemon would."""
    event = instance.report_run_canceled(run, message=message)
    context = dg.build_run_status_sensor_context(
        sensor_name="cancelled_run_sensor",
        dagster_event=event,
        dagster_instance=instance,
        dagster_run=status_of(instance, run),
        resources={"database": DatabaseResource(url=database_url)},
    )
    cancelled_run_sensor(context)


def status_and_error(database_url: str, request_id: str) -> tuple[str, str | None]:
    with session_scope(database_url) as session:
        request = get_request(session, request_id)
        return request.status, request.error


def test_a_cancelled_run_leaves_its_request_cancelled_with_the_reason(
    instance: dg.DagsterInstance, postgres_url: str
) -> None:
    request_id = processing_request(postgres_url)
    run = started_run(instance, request_id, seconds_ago=10)

    cancel_run(instance, postgres_url, run, "Terminated from the UI by the on-call operator")

    status, error = status_and_error(postgres_url, request_id)
    assert status == "cancelled"
    assert error is not None and run.run_id in error and "Terminated from the UI by the on-call operator" in error


def test_a_cancelled_run_leaves_an_ended_request_as_it_ended(instance: dg.DagsterInstance, postgres_url: str) -> None:
    request_id = processing_request(postgres_url)
    with session_scope(postgres_url) as session:
        finish(session, request_id, "completed")
    run = started_run(instance, request_id, seconds_ago=10)

    cancel_run(instance, postgres_url, run, "Terminated from the UI")

    assert status_and_error(postgres_url, request_id) == ("completed", None)


def test_a_cancelled_run_leaves_the_request_to_another_run_still_in_flight_for_it(
    instance: dg.DagsterInstance, postgres_url: str
) -> None:
    request_id = processing_request(postgres_url)
    cancelled = started_run(instance, request_id, seconds_ago=10)
    started_run(instance, request_id, seconds_ago=5)

    cancel_run(instance, postgres_url, cancelled, "Terminated from the UI")

    assert status_and_error(postgres_url, request_id)[0] == "processing"


def test_a_cancelled_run_of_the_asset_job_from_a_ui_backfill_cancels_its_request_too(
    instance: dg.DagsterInstance, postgres_url: str
) -> None:
    request_id = processing_request(postgres_url)
    run = pipeline_run(instance, request_id, tags={"dagster/backfill": "bkfl0001"}, job_name="__ASSET_JOB")

    cancel_run(instance, postgres_url, run, "Backfill canceled from the UI")

    status, error = status_and_error(postgres_url, request_id)
    assert run.job_name == "__ASSET_JOB"
    assert status == "cancelled" and error is not None and "Backfill canceled from the UI" in error
