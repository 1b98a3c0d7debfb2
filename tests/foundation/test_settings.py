"""Configuration that survives a deployment: what the code location reads at import, what a run resolves when it
starts, and what production refuses. The import-versus-run tests run in a subprocess whose environment the test
controls, so nothing this pytest process has imported or set can stand in for the run's own environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest
from dagster_aws.s3 import S3PickleIOManager
from sqlalchemy import select

from resources.build import IO_PREFIX, resources_for
from sensors.launch import resolved
from tests.media_samples import clip, photo
from tests.pipeline.helpers import submit
from video_assets.cli import main
from video_assets.db.engine import session_scope
from video_assets.db.models import RenderedVideo
from video_assets.db.repository import get_request
from video_assets.definitions import build_definitions
from video_assets.settings import Settings, SettingsError, load_mode, load_settings, sqlite_url

REPO = Path(__file__).resolve().parents[2]
SECRETS = {
    "AWS_SECRET_ACCESS_KEY": "aws-secret-7f3c9e",
    "VIDEO_ASSETS_LLM_API_KEY": "sk-llm-secret-41d2",
    "VIDEO_ASSETS_TTS_API_KEY": "sk-tts-secret-93aa",
    "VIDEO_ASSETS_MERGE_API_KEY": "merge-secret-5b70",
}

# Imports the code location with the environment the process started with, then sets the run's environment (argv 1)
# and runs: a request through the launcher (argv 2 = request id) or the housekeeping job. Prints what an operator
# can see: the resources' repr, each run's config and every event message.
AFTER_IMPORT = """
import json, os, sys
import dagster as dg
from video_assets.definitions import defs
from sensors.launch import execute_request, resolved

os.environ.update(json.loads(sys.argv[1]))
with dg.DagsterInstance.ephemeral() as instance:
    try:
        if sys.argv[2] == "housekeeping_job":
            job = defs.resolve_job_def("housekeeping_job")
            success = job.execute_in_process(instance=instance, raise_on_error=False).success
        else:
            success = execute_request(instance, defs, sys.argv[2])
    except dg.DagsterInvalidConfigError as error:
        print(error)
        sys.exit(3)
    print(*(repr(resource) for resource in defs.resources.values()))
    with resolved(defs, "database", "object_store", "llm", "tts", "merge") as resources:
        print(*(repr(getattr(resources, name)) for name in ("database", "object_store", "llm", "tts", "merge")))
    for record in instance.get_run_records():
        print(json.dumps(record.dagster_run.run_config))
        for entry in instance.all_logs(record.dagster_run.run_id):
            print(entry.message)
    print(json.dumps({"success": success}))
"""


def clean_environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    """This process's environment without any VIDEO_ASSETS_*, AWS_* or DAGSTER_* variable, plus `settings`."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("VIDEO_ASSETS_", "AWS_", "DAGSTER_"))}
    return {**kept, "DAGSTER_HOME": str(tmp_path / "dagster-home"), **settings}


def run_after_import(import_env: dict[str, str], run_env: dict[str, str], target: str) -> subprocess.CompletedProcess:
    Path(import_env["DAGSTER_HOME"]).mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-c", AFTER_IMPORT, json.dumps(run_env), target],
        env=import_env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def no_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No VIDEO_ASSETS_* or AWS_* variable in this process, and a home of the test's own."""
    for name in list(os.environ):
        if name.startswith(("VIDEO_ASSETS_", "AWS_")):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    monkeypatch.setenv("VIDEO_ASSETS_HOME", str(home))
    return home


def test_production_code_location_imports_with_a_clean_environment_and_lists_its_jobs(tmp_path: Path) -> None:
    program = (
        "import json\nfrom video_assets.definitions import defs\n"
        "print(json.dumps({'jobs': sorted(job.name for job in defs.jobs),"
        " 'io_manager': type(defs.resources['io_manager']).__name__}))"
    )
    env = clean_environment(tmp_path, VIDEO_ASSETS_MODE="production")
    result = subprocess.run([sys.executable, "-c", program], env=env, cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert {"video_pipeline", "housekeeping_job", "reconcile_job"} <= set(loaded["jobs"])
    assert loaded["io_manager"] == "S3PickleIOManager"


def test_production_run_without_database_url_fails_naming_it_and_falls_back_to_nothing(
    tmp_path: Path, s3_endpoint: str, s3_store
) -> None:
    home = tmp_path / "home"
    run_env = {
        "VIDEO_ASSETS_HOME": str(home),
        "VIDEO_ASSETS_S3_BUCKET": s3_store.bucket,
        "VIDEO_ASSETS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    import_env = clean_environment(tmp_path, VIDEO_ASSETS_MODE="production")

    result = run_after_import(import_env, run_env, "housekeeping_job")

    assert result.returncode == 3, result.stdout + result.stderr
    assert 'environment variable "VIDEO_ASSETS_DATABASE_URL" which is not set' in result.stdout
    assert not home.exists()  # no SQLite file, no local store, no temp dir


def test_production_run_uses_settings_set_only_after_import(
    tmp_path: Path, postgres_url: str, s3_endpoint: str, s3_store
) -> None:
    materials = tmp_path / "materials"
    materials.mkdir()
    request_id = submit(
        postgres_url,
        markdown="# 实验室\n\n宇航员在检查火箭的模型。\n\n屏幕上的彩条是设备自检的画面。",
        materials=[
            {"uri": str(photo("astronaut", materials / "astronaut.jpg"))},
            {"uri": str(clip(materials / "bars.mp4", 320, 180, seconds=2, source="smptebars"))},
        ],
        video_count=1,
        aspect="1:1",
        target_duration=12,
    )
    home = tmp_path / "home"
    run_env = {
        "VIDEO_ASSETS_HOME": str(home),
        "VIDEO_ASSETS_DATABASE_URL": postgres_url,
        "VIDEO_ASSETS_S3_BUCKET": s3_store.bucket,
        "VIDEO_ASSETS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "VIDEO_ASSETS_LOCAL_ROOTS": str(materials),
        "VIDEO_ASSETS_RENDER_PRESET": "ultrafast",
        **SECRETS,
    }
    import_env = clean_environment(tmp_path, VIDEO_ASSETS_MODE="production")

    result = run_after_import(import_env, run_env, request_id)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with session_scope(postgres_url) as session:
        request = get_request(session, request_id)
        assert (request.status, request.error) == ("completed", None), request.error
        [video] = session.scalars(select(RenderedVideo).filter_by(request_id=request_id)).all()
    assert s3_store.exists(video.video_key)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    io_keys = client.list_objects_v2(Bucket=s3_store.bucket, Prefix=f"{IO_PREFIX}/").get("KeyCount", 0)
    assert io_keys > 0  # the render fan-out's outputs went to the bucket, not to a local disk
    assert not (home / "objects").exists() and not (home / "video_assets.db").exists()
    for secret in (postgres_url, *SECRETS.values()):
        assert secret not in result.stdout + result.stderr


def test_secrets_stay_out_of_resource_repr_before_and_after_resolution(
    no_settings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database_url = "postgresql+psycopg2://video:pa55word-db@127.0.0.1:1/video_assets"
    for name, value in {**SECRETS, "VIDEO_ASSETS_DATABASE_URL": database_url, "VIDEO_ASSETS_S3_BUCKET": "b"}.items():
        monkeypatch.setenv(name, value)
    defs = build_definitions(resources_for("production"))
    with resolved(defs, "database", "llm", "tts", "merge") as resources:
        assert resources.database.url == database_url
        assert resources.llm.api_key == SECRETS["VIDEO_ASSETS_LLM_API_KEY"]
        shown = [repr(resource) for resource in defs.resources.values()]
        shown += [repr(getattr(resources, name)) for name in ("database", "llm", "tts", "merge")]
    shown.append(repr(load_settings()))
    for secret in ("pa55word-db", *SECRETS.values()):
        assert not [text for text in shown if secret in text]


def test_embedded_mode_with_nothing_set_is_sqlite_and_a_local_store_under_home(no_settings: Path) -> None:
    defs = build_definitions(resources_for(load_mode().mode))
    assert "io_manager" not in defs.resources
    with resolved(defs, "database", "object_store", "llm", "tts", "merge") as resources:
        assert resources.database.url == sqlite_url(no_settings)
        assert (resources.object_store.backend, resources.object_store.local_root) == (
            "local",
            str(no_settings / "objects"),
        )
        assert (resources.llm.backend, resources.tts.backend, resources.merge.backend) == (
            "offline",
            "espeak",
            "local",
        )


def test_embedded_resources_read_settings_when_initialised_not_when_built(
    no_settings: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    defs = build_definitions(resources_for("embedded"))
    monkeypatch.setenv("VIDEO_ASSETS_HOME", str(tmp_path / "later"))
    monkeypatch.setenv("VIDEO_ASSETS_FETCH_WORKERS", "7")
    monkeypatch.setenv("VIDEO_ASSETS_LOCAL_ROOTS", f"{tmp_path}/a:{tmp_path}/b")
    with resolved(defs, "database", "ingest") as resources:
        assert resources.database.url == sqlite_url(tmp_path / "later")
        assert resources.ingest.workers == 7
        assert resources.ingest.local_roots == [str(tmp_path / "a"), str(tmp_path / "b")]


def test_production_io_manager_shares_the_object_stores_bucket_and_s3_resource() -> None:
    resources = resources_for("production")
    io_manager = resources["io_manager"]
    assert isinstance(io_manager, S3PickleIOManager)
    assert io_manager.s3_resource is resources["object_store"].s3
    assert io_manager.s3_bucket == resources["object_store"].bucket
    assert io_manager.s3_prefix == IO_PREFIX


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({}, "VIDEO_ASSETS_DATABASE_URL is required in production mode"),
        ({"VIDEO_ASSETS_DATABASE_URL": "postgresql+psycopg2://db/x"}, "VIDEO_ASSETS_S3_BUCKET is required"),
        ({"VIDEO_ASSETS_STORAGE": "local"}, "VIDEO_ASSETS_STORAGE=local is refused"),
        ({"VIDEO_ASSETS_DATABASE_URL": "sqlite:///x.db"}, "embedded SQLite database is refused"),
    ],
)
def test_production_settings_refuse_the_embedded_fallbacks(
    settings: dict[str, str], named: str, no_settings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIDEO_ASSETS_MODE", "production")
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=named):
        load_settings()


def test_production_settings_default_to_s3_storage(no_settings: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIDEO_ASSETS_MODE", "production")
    monkeypatch.setenv("VIDEO_ASSETS_DATABASE_URL", "postgresql+psycopg2://db/x")
    monkeypatch.setenv("VIDEO_ASSETS_S3_BUCKET", "media")
    assert (load_settings().storage, load_settings().s3_bucket) == ("s3", "media")


def test_a_malformed_setting_is_named_without_its_value(no_settings: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIDEO_ASSETS_LLM_WORKERS", "four-secret")
    with pytest.raises(SettingsError, match="VIDEO_ASSETS_LLM_WORKERS") as raised:
        load_settings()
    assert "four-secret" not in str(raised.value) and raised.value.__cause__ is None


def test_a_stall_threshold_shorter_than_three_heartbeats_is_refused_naming_both(
    no_settings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIDEO_ASSETS_HEARTBEAT_SECONDS", "10")
    monkeypatch.setenv("VIDEO_ASSETS_STALLED_AFTER_SECONDS", "25")
    with pytest.raises(SettingsError, match="VIDEO_ASSETS_STALLED_AFTER_SECONDS .*VIDEO_ASSETS_HEARTBEAT_SECONDS"):
        load_settings()
    monkeypatch.setenv("VIDEO_ASSETS_STALLED_AFTER_SECONDS", "30")
    assert load_settings().stalled_after_seconds == 30


def test_celery_is_refused_outside_production_saying_why(no_settings: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIDEO_ASSETS_EXECUTOR", "celery")
    with pytest.raises(
        SettingsError, match="needs VIDEO_ASSETS_MODE=production: .*SQLite file, the local object store"
    ):
        load_mode()


def test_celery_in_production_requires_its_broker(no_settings: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "VIDEO_ASSETS_MODE": "production",
        "VIDEO_ASSETS_EXECUTOR": "celery",
        "VIDEO_ASSETS_DATABASE_URL": "postgresql+psycopg2://db/video_assets",
        "VIDEO_ASSETS_S3_BUCKET": "media",
    }.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match="VIDEO_ASSETS_CELERY_BROKER is required"):
        load_settings()
    monkeypatch.setenv("VIDEO_ASSETS_CELERY_BROKER", "redis://127.0.0.1:6379/0")
    assert load_settings().executor == "celery"


def test_a_misspelt_mode_fails_the_import_instead_of_meaning_embedded(
    no_settings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIDEO_ASSETS_MODE", "prod")
    with pytest.raises(SettingsError, match="VIDEO_ASSETS_MODE"):
        load_mode()


def test_empty_variables_mean_the_defaults(no_settings: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("VIDEO_ASSETS_MODE", "VIDEO_ASSETS_LOCAL_ROOTS", "VIDEO_ASSETS_FETCH_WORKERS"):
        monkeypatch.setenv(name, "")
    settings = load_settings()
    assert (settings.mode, settings.local_roots, settings.fetch_workers) == ("embedded", (), 4)


def test_cli_in_production_without_database_url_exits_naming_it(
    no_settings: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VIDEO_ASSETS_MODE", "production")
    assert main(["status", f"req_{uuid.uuid4().hex[:8]}"]) == 2
    assert "VIDEO_ASSETS_DATABASE_URL is required in production mode" in capsys.readouterr().err
    assert not no_settings.exists()


def test_every_setting_is_one_documented_variable() -> None:
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    for field in Settings.model_fields:
        assert f"VIDEO_ASSETS_{field.upper()}=" in example, field
        assert Settings.model_fields[field].description, field


def test_settings_do_not_import_dagster() -> None:
    program = "import sys, video_assets.settings; sys.exit('dagster' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", program], cwd=REPO).returncode == 0
