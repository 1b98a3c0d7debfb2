"""The compose deployment's database and instance, run for real outside Docker: the Postgres init script on a
cluster that checks passwords (scram-sha-256, as the postgres image does over TCP), the `migrate` service's command
through our entrypoint with the environment the compose file gives it, and docker/dagster.yaml with step logs in a
real S3-protocol server, written by one instance and read back by another (the run worker and the webserver)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import boto3
import dagster as dg
import psycopg2
import pytest
from dagster._core.instance.config import dagster_instance_config
from dagster._core.storage.compute_log_manager import ComputeIOType
from dagster_aws.s3.compute_log_manager import S3ComputeLogManager

from tests.deploy.compose import DOCKER, load_compose, services
from tests.deploy.conftest import APP_PASSWORD, DAGSTER_PASSWORD, PasswordCluster, service_environment

INSTANCE_YAML = DOCKER / "dagster.yaml"


def connect(cluster: PasswordCluster, user: str, password: str, database: str) -> Any:
    return psycopg2.connect(host="127.0.0.1", port=cluster.port, user=user, password=password, dbname=database)


def test_docker_dagster_yaml_is_a_valid_instance_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(INSTANCE_YAML, tmp_path / "dagster.yaml")
    for name in ("DAGSTER_PG_HOST", "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD", "DAGSTER_PG_DB"):
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("DAGSTER_PG_PORT", "5432")
    monkeypatch.setenv("DAGSTER_COMPUTE_LOGS_BUCKET", "logs")
    monkeypatch.setenv("VIDEO_ASSETS_S3_ENDPOINT_URL", "http://minio:9000")
    config, custom_class = dagster_instance_config(str(tmp_path))
    assert custom_class is None
    assert (config["compute_logs"]["module"], config["compute_logs"]["class"]) == (
        "dagster_aws.s3.compute_log_manager",
        "S3ComputeLogManager",
    )
    postgres = config["storage"]["postgres"]
    assert "postgres_url" not in postgres, "the password must not be pasted into a URL"
    assert {"hostname", "port", "username", "password", "db_name"} <= set(postgres["postgres_db"])
    assert config["run_launcher"]["class"] == "DefaultRunLauncher"
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["run_monitoring"]["enabled"] and config["run_retries"]["enabled"]
    assert config["concurrency"]["runs"]["max_concurrent_runs"] == 4
    assert config["concurrency"]["pools"]["default_limit"] == 2


def test_the_init_script_creates_two_closed_databases_with_their_own_passwords(
    initialised_cluster: PasswordCluster,
) -> None:
    for user, password, database in (
        ("dagster", DAGSTER_PASSWORD, "dagster"),
        ("video_assets", APP_PASSWORD, "video_assets"),
    ):
        with connect(initialised_cluster, user, password, database) as connection:
            connection.cursor().execute("CREATE TABLE probe (id int); DROP TABLE probe")  # owner may create
        connection.close()
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        connect(initialised_cluster, "dagster", "wrong", "dagster")
    with pytest.raises(psycopg2.OperationalError, match="permission denied for database"):
        connect(initialised_cluster, "video_assets", APP_PASSWORD, "dagster")
    with pytest.raises(psycopg2.OperationalError, match="permission denied for database"):
        connect(initialised_cluster, "dagster", DAGSTER_PASSWORD, "video_assets")


def test_the_migrate_service_command_runs_through_the_entrypoint(
    initialised_cluster: PasswordCluster, s3_endpoint: str, tmp_path: Path
) -> None:
    """`video-assets db upgrade && dagster instance migrate`, as the migrate service runs it: our URL composed from
    its parts by docker/entrypoint.py, Dagster's storage from separate fields; both passwords full of URL syntax."""
    env = service_environment("migrate", initialised_cluster, s3_endpoint, tmp_path)
    assert "VIDEO_ASSETS_DATABASE_URL" not in env
    command = services(load_compose())["migrate"]["command"]
    result = subprocess.run(
        [sys.executable, str(DOCKER / "entrypoint.py"), *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for secret in (DAGSTER_PASSWORD, APP_PASSWORD):
        assert secret not in result.stdout + result.stderr
    with connect(initialised_cluster, "video_assets", APP_PASSWORD, "video_assets") as connection:
        cursor = connection.cursor()
        cursor.execute(
            "SELECT to_regclass('public.video_requests'), to_regclass('public.video_assets_alembic_version')"
        )
        assert all(cursor.fetchone())
    connection.close()
    with connect(initialised_cluster, "dagster", DAGSTER_PASSWORD, "dagster") as connection:
        cursor = connection.cursor()
        cursor.execute("SELECT to_regclass('public.runs'), to_regclass('public.event_logs')")
        assert all(cursor.fetchone())
    connection.close()


def test_step_logs_written_by_a_run_worker_are_read_by_the_webserver(
    initialised_cluster: PasswordCluster, s3_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two instances from docker/dagster.yaml with the user-code and webserver environments: what the first
    captures lands in the compute-log bucket, and the second, with nothing on its disk, serves it."""
    worker_env = service_environment("user-code", initialised_cluster, s3_endpoint, tmp_path / "worker")
    webserver_env = service_environment("webserver", initialised_cluster, s3_endpoint, tmp_path / "webserver")
    bucket = worker_env["DAGSTER_COMPUTE_LOGS_BUCKET"]
    assert bucket == webserver_env["DAGSTER_COMPUTE_LOGS_BUCKET"] == "dagster-compute-logs"
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=worker_env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=worker_env["AWS_SECRET_ACCESS_KEY"],
    )
    s3.create_bucket(Bucket=bucket)  # minio-init's job in compose
    run_id = f"run-{uuid.uuid4().hex[:12]}"
    log_key = [run_id, "compute_logs", "render_one"]
    line = "render_one: ffmpeg main pass 41.2 s, request 6f1c 字幕\n"

    def instance_with(env: dict[str, str]) -> dg.DagsterInstance:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return dg.DagsterInstance.from_config(env["DAGSTER_HOME"])

    with instance_with(worker_env) as worker:
        manager = worker.compute_log_manager
        assert isinstance(manager, S3ComputeLogManager)
        assert type(worker.run_storage).__name__ == "PostgresRunStorage"
        assert type(worker.run_launcher).__name__ == "DefaultRunLauncher"
        assert type(worker.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert worker.run_monitoring_enabled and worker.run_retries_enabled
        concurrency = worker.get_concurrency_config()
        assert concurrency.run_queue_config is not None
        assert concurrency.run_queue_config.max_concurrent_runs == 4
        assert concurrency.run_queue_config.tag_concurrency_limits == [{"key": "dagster/backfill", "limit": 2}]
        assert concurrency.pool_config.default_pool_limit == 2
        with manager.open_log_stream(log_key, ComputeIOType.STDERR) as stream:
            assert stream is not None
            stream.write(line)
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert f"compute-logs/storage/{run_id}/compute_logs/render_one.err" in keys

    with instance_with(webserver_env) as webserver:
        reader = webserver.compute_log_manager
        assert isinstance(reader, S3ComputeLogManager)
        # Nothing local (the two share this machine's temp dir): what it serves comes from the bucket.
        assert not reader.has_local_file(log_key, ComputeIOType.STDERR)
        data, _ = reader.get_log_data_for_type(log_key, ComputeIOType.STDERR, 0, None)
        assert data is not None and data.decode("utf-8") == line
