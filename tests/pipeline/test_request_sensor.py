import threading

import dagster as dg

from resources.database import DatabaseResource
from sensors.requests import claim_requests, request_sensor
from tests.pipeline.helpers import submit
from video_assets.db.engine import session_scope
from video_assets.db.repository import get_request


def tick(instance: dg.DagsterInstance, database_url: str, cursor: str | None, name: str = "request_sensor"):
    context = dg.build_sensor_context(instance=instance, cursor=cursor, sensor_name=name)
    return claim_requests(context, DatabaseResource(url=database_url), limit=50)


def run_keys(result: dg.SensorResult) -> list[str]:
    return [run.run_key for run in result.run_requests or []]


def test_tick_claims_pending_rows_registers_partitions_and_queues_them(database_url: str) -> None:
    ids = [submit(database_url) for _ in range(3)]
    with dg.DagsterInstance.ephemeral() as instance:
        context = dg.build_sensor_context(
            instance=instance, sensor_name="request_sensor", resources={"database": DatabaseResource(url=database_url)}
        )
        result = request_sensor(context)
    assert sorted(run_keys(result)) == sorted(ids)
    assert all(run.partition_key == run.run_key for run in result.run_requests)
    assert sorted(result.dynamic_partitions_requests[0].partition_keys) == sorted(ids)
    with session_scope(database_url) as session:
        assert {get_request(session, i).status for i in ids} == {"queued"}


def test_repeated_ticks_launch_each_request_once_and_idle_tick_skips(database_url: str) -> None:
    ids = [submit(database_url) for _ in range(2)]
    with dg.DagsterInstance.ephemeral() as instance:
        first = tick(instance, database_url, None)
        second = tick(instance, database_url, first.cursor)
        late = submit(database_url)
        third = tick(instance, database_url, second.cursor)
    assert sorted(run_keys(first)) == sorted(ids)
    assert run_keys(second) == [] and second.skip_reason is not None
    assert run_keys(third) == [late]


def test_failed_tick_is_replayed_with_the_same_run_keys_and_loses_nothing(database_url: str) -> None:
    ids = [submit(database_url) for _ in range(3)]
    with dg.DagsterInstance.ephemeral() as instance:
        lost = tick(instance, database_url, None)  # its result never reaches Dagster: the cursor stays at None
        replay = tick(instance, database_url, None)
        after = tick(instance, database_url, replay.cursor)
    # Dagster launches at most one run per run_key per sensor, so identical keys mean no second run.
    assert sorted(run_keys(lost)) == sorted(run_keys(replay)) == sorted(ids)
    assert run_keys(after) == []


def test_rows_per_tick_never_exceed_the_cap(database_url: str) -> None:
    for _ in range(7):
        submit(database_url)
    with dg.DagsterInstance.ephemeral() as instance:
        cursor, sizes = None, []
        for _ in range(4):
            context = dg.build_sensor_context(instance=instance, cursor=cursor, sensor_name="request_sensor")
            result = claim_requests(context, DatabaseResource(url=database_url), limit=3)
            sizes.append(len(run_keys(result)))
            cursor = result.cursor
    assert sizes == [3, 3, 1, 0]


def test_two_sensors_racing_never_claim_the_same_request(postgres_url: str) -> None:
    ids = {submit(postgres_url) for _ in range(40)}
    claimed: dict[str, list[str]] = {}
    with dg.DagsterInstance.ephemeral() as instance:

        def race(name: str) -> None:
            claimed[name] = run_keys(tick(instance, postgres_url, None, name=name))

        threads = [threading.Thread(target=race, args=(name,)) for name in ("sensor_a", "sensor_b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not set(claimed["sensor_a"]) & set(claimed["sensor_b"])
    assert set(claimed["sensor_a"]) | set(claimed["sensor_b"]) == ids


def test_request_with_a_run_already_in_flight_gets_no_second_run(database_url: str) -> None:
    busy, idle = submit(database_url), submit(database_url)
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_run(
            dg.DagsterRun(
                job_name="video_pipeline", status=dg.DagsterRunStatus.STARTED, tags={"dagster/partition": busy}
            )
        )
        result = tick(instance, database_url, None)
    assert run_keys(result) == [idle]
    assert sorted(result.dynamic_partitions_requests[0].partition_keys) == sorted([busy, idle])
