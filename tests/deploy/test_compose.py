"""docker/docker-compose.yml, docker/Dockerfile and their scripts, checked without a Docker engine: the Compose
Specification's JSON schema, then the deployment rules of docs/operations.md."""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest
import yaml
from sqlalchemy.engine import make_url

from tests.deploy.compose import (
    COMPOSE_FILE,
    DOCKER,
    OUR_IMAGE,
    REPO,
    MissingVariable,
    all_variables,
    dockerfile_instructions,
    documented_names,
    environment,
    interpolate,
    is_documented,
    load_compose,
    required_variables,
    runs_our_image,
    services,
    strings,
)

SCHEMA = Path(__file__).with_name("compose-spec.json")
CELERY_WORKERS = {"worker-video-processing", "worker-video-generation", "worker-maintenance"}
EXPECTED_SERVICES = {"postgres", "minio", "minio-init", "migrate", "user-code", "webserver", "daemon", "api", "cli"}
EXPECTED_SERVICES |= {"exporter", "prometheus"}
EXPECTED_SERVICES |= {"webhooks"}
EXPECTED_SERVICES |= CELERY_WORKERS
LONG_RUNNING_RESTART = {"always", "unless-stopped"}
PINNED_IMAGE = re.compile(r"^(?P<name>[a-z0-9._/-]+):(?P<tag>[A-Za-z0-9._-]+)@sha256:[0-9a-f]{64}$")
NASTY_PASSWORD = "p@ss:w/rd?#%&'\" $x\\+="


def load_entrypoint() -> ModuleType:
    spec = importlib.util.spec_from_file_location("video_assets_entrypoint", DOCKER / "entrypoint.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def compose_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    # The schema declares draft 2019-09 as "http://json-schema.org/draft/2019-09/schema#", a spelling jsonschema
    # does not look up, so name the draft here.
    assert "2019-09" in schema["$schema"]
    jsonschema.Draft201909Validator.check_schema(schema)
    return jsonschema.Draft201909Validator(schema)


def schema_errors(validator: jsonschema.protocols.Validator, document: Any) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(document)]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


def one_shot_services(compose: dict[str, Any]) -> set[str]:
    """Services others wait on to complete, and on-demand tool services (profiles)."""
    completed = {
        name
        for service in services(compose).values()
        for name, dependency in (service.get("depends_on") or {}).items()
        if dependency.get("condition") == "service_completed_successfully"
    }
    tools = {name for name, service in services(compose).items() if "tools" in service.get("profiles", [])}
    return completed | tools


def test_compose_file_is_valid_against_the_compose_specification(compose: dict[str, Any]) -> None:
    validator = compose_validator()
    errors = schema_errors(validator, compose)
    assert not errors, "\n".join(errors)
    # As `docker compose` sees it: every required variable set, every other one left to its default.
    resolved = interpolate(compose, {name: "value-for-test" for name in required_variables(compose)})
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(resolved)
    ]
    assert not errors, "\n".join(errors)
    assert set(services(compose)) == EXPECTED_SERVICES


def test_the_schema_rejects_what_compose_would_reject(compose: dict[str, Any]) -> None:
    validator = compose_validator()
    broken = json.loads(json.dumps(compose))
    broken["services"]["daemon"]["restrat"] = "always"  # a typo'd key
    broken["services"]["webserver"]["depends_on"]["user-code"]["condition"] = "service_ready"
    broken["services"]["user-code"]["healthcheck"]["retries"] = "five"
    paths = sorted("/".join(map(str, error.absolute_path)) for error in validator.iter_errors(broken))
    assert paths == [
        "services/daemon",
        "services/user-code/healthcheck/retries",
        "services/webserver/depends_on",
    ], paths


def test_a_missing_secret_stops_compose_with_its_name(compose: dict[str, Any]) -> None:
    required = required_variables(compose)
    assert {
        "POSTGRES_PASSWORD",
        "DAGSTER_PG_PASSWORD",
        "VIDEO_ASSETS_DB_PASSWORD",
        "MINIO_ROOT_USER",
        "MINIO_ROOT_PASSWORD",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    } <= required
    environ = {name: "value-for-test" for name in required - {"DAGSTER_PG_PASSWORD"}}
    with pytest.raises(MissingVariable, match="DAGSTER_PG_PASSWORD: set DAGSTER_PG_PASSWORD in .env"):
        interpolate(compose, environ)


def test_every_variable_the_services_read_is_documented_in_env_example(compose: dict[str, Any]) -> None:
    env_example = documented_names()
    names = set(all_variables(compose))
    for service in services(compose).values():
        if runs_our_image(service):
            names |= set(environment(service))
    undocumented = sorted(name for name in names if not is_documented(name, env_example))
    assert not undocumented, f"not in .env.example: {undocumented}"


def test_every_pipeline_setting_reaches_the_services_that_load_our_code(compose: dict[str, Any]) -> None:
    """A setting documented in .env.example or defined in Settings but missing here would silently take its
    default in production."""
    from video_assets import settings

    names = {name for name in re.findall(r"(?m)^#?\s*(VIDEO_ASSETS_[A-Z0-9_]+)=", documented_names())}
    names |= {settings.PREFIX + field.upper() for field in getattr(settings.Settings, "model_fields", {})}
    # Knobs of the test harness and of `make prod` (scripts/prod.sh), not settings of the pipeline.
    names -= {"VIDEO_ASSETS_TEST_DATABASE_URL", "VIDEO_ASSETS_DATABASE_URL"}
    names = {name for name in names if not name.startswith("VIDEO_ASSETS_PROD_")}
    for name in ("user-code", "migrate", "cli", "api", *sorted(CELERY_WORKERS)):
        env = environment(services(compose)[name])
        missing = sorted(names - set(env))
        assert not missing, f"{name} does not pass {missing}"
        assert env["VIDEO_ASSETS_MODE"] == "production"
        assert env["VIDEO_ASSETS_STORAGE"] == "s3"
        # Composed and escaped by docker/entrypoint.py; never pasted together here.
        assert "VIDEO_ASSETS_DATABASE_URL" not in env


def test_no_password_is_pasted_into_a_url(compose: dict[str, Any]) -> None:
    secret_names = {name for name in all_variables(compose) if re.search(r"PASSWORD|SECRET|KEY", name)}
    for value in strings(compose):
        if "://" in value:
            assert not any(f"${{{name}" in value or f"${name}" in value for name in secret_names), value


def test_only_the_loopback_is_published_and_the_webserver_and_api_are_on_it(compose: dict[str, Any]) -> None:
    published = {name: service.get("ports") or [] for name, service in services(compose).items()}
    assert set(name for name, ports in published.items() if ports) == {"webserver", "api"}
    assert published["api"] == ["127.0.0.1:8080:8080"]
    for name, ports in published.items():
        for port in ports:
            assert isinstance(port, str) and port.startswith("127.0.0.1:"), f"{name} publishes {port!r}"
    assert any(port.endswith(":3000") for port in published["webserver"])
    command = services(compose)["webserver"]["command"]
    assert command[:3] == ["dagster-webserver", "-h", "0.0.0.0"]  # inside its container; the host side is loopback


def test_every_long_running_service_has_a_restart_policy(compose: dict[str, Any]) -> None:
    one_shots = one_shot_services(compose)
    assert one_shots == {"migrate", "minio-init", "cli"}
    for name, service in services(compose).items():
        if name in one_shots:
            assert service.get("restart") == "no", name
        else:
            assert service.get("restart") in LONG_RUNNING_RESTART, f"{name} has no restart policy"


def test_dependencies_wait_for_health_or_completion(compose: dict[str, Any]) -> None:
    for name, service in services(compose).items():
        dependencies = service.get("depends_on") or {}
        assert isinstance(dependencies, dict), f"{name}: depends_on needs conditions"
        for dependency, rule in dependencies.items():
            assert rule["condition"] in ("service_healthy", "service_completed_successfully"), (name, dependency)
            if rule["condition"] == "service_healthy":
                assert "healthcheck" in services(compose)[dependency], f"{dependency} has no healthcheck"
    user_code = services(compose)["user-code"]["depends_on"]
    assert user_code["migrate"]["condition"] == "service_completed_successfully"
    assert user_code["minio-init"]["condition"] == "service_completed_successfully"
    for name in ("webserver", "daemon"):
        assert services(compose)[name]["depends_on"]["user-code"]["condition"] == "service_healthy"
        assert services(compose)[name]["command"][-2:] == ["--log-format", "json"]


def test_the_code_server_serves_our_location_and_has_a_healthcheck(compose: dict[str, Any]) -> None:
    user_code = services(compose)["user-code"]
    assert user_code["command"] == shlex.split(
        "dagster code-server start -h 0.0.0.0 -p 4000 -m video_assets.definitions -a defs --location-name video_assets"
        " --log-format json"
    )
    assert user_code["healthcheck"]["test"] == ["CMD", "dagster", "api", "grpc-health-check", "-p", "4000"]
    assert services(compose)["migrate"]["command"] == [
        "sh",
        "-c",
        "video-assets db upgrade && dagster instance migrate && dagster instance concurrency set fetch 2"
        " && dagster instance concurrency set llm 2 && dagster instance concurrency set render 2",
    ]


def test_the_code_location_has_the_same_name_in_dev_and_docker() -> None:
    from dagster._core.workspace.load_target import WorkspaceFileTarget

    for workspace in (REPO / "workspace.yaml", DOCKER / "workspace.yaml"):
        origins = WorkspaceFileTarget(paths=[str(workspace)]).create_origins()
        assert [origin.location_name for origin in origins] == ["video_assets"], workspace
    grpc = yaml.safe_load((DOCKER / "workspace.yaml").read_text(encoding="utf-8"))["load_from"][0]["grpc_server"]
    assert (grpc["host"], grpc["port"]) == ("user-code", 4000)


def test_every_image_is_pinned(compose: dict[str, Any]) -> None:
    for name, service in services(compose).items():
        image = service.get("image", "")
        if runs_our_image(service):
            assert image == OUR_IMAGE, name
            continue
        match = PINNED_IMAGE.match(image)
        assert match, f"{name}: {image!r} is not pinned by tag and digest"
        assert match["tag"] != "latest" and re.search(r"\d", match["tag"]), f"{name}: {image!r} has no exact tag"
    bases = [arguments.split()[0] for instruction, arguments in dockerfile_instructions() if instruction == "FROM"]
    assert bases and all(PINNED_IMAGE.match(base) for base in bases), bases


def test_our_image_runs_as_a_non_root_user(compose: dict[str, Any]) -> None:
    users = [arguments for instruction, arguments in dockerfile_instructions() if instruction == "USER"]
    assert users, "the Dockerfile has no USER line"
    assert users[-1].split(":")[0] not in ("root", "0"), users[-1]
    for name, service in services(compose).items():
        user = str(service.get("user", ""))
        assert user.split(":")[0] not in ("root", "0"), f"{name} runs as {user}"
        if runs_our_image(service):
            assert "user" not in service, f"{name} overrides the image's user"
            assert service["cap_drop"] == ["ALL"] and "no-new-privileges:true" in service["security_opt"], name


def test_the_dockerfile_installs_the_media_tools_and_the_package() -> None:
    instructions = dockerfile_instructions()
    runs = " ".join(arguments for instruction, arguments in instructions if instruction == "RUN")
    apt = re.search(r"apt-get install[^&;]*", runs)
    assert apt, "no apt-get install"
    assert {"ffmpeg", "espeak-ng", "fonts-noto-cjk"} <= set(apt.group(0).split())
    workdirs = [arguments for instruction, arguments in instructions if instruction == "WORKDIR"]
    assert "/tmp/video-assets-src" in workdirs and re.search(r"pip install \.(\s|$)", runs)
    env = " ".join(arguments for instruction, arguments in instructions if instruction == "ENV")
    assert "DAGSTER_HOME=/opt/dagster" in env
    copies = [arguments for instruction, arguments in instructions if instruction == "COPY"]
    assert "docker/dagster.yaml docker/workspace.yaml /opt/dagster/" in copies
    assert ("ENTRYPOINT", '["video-assets-entrypoint"]') in instructions


def test_minio_init_creates_both_buckets_and_a_limited_user(compose: dict[str, Any]) -> None:
    script = DOCKER / "minio-init.sh"
    subprocess.run(["sh", "-n", str(script)], check=True)
    text = script.read_text(encoding="utf-8")
    assert 'mc mb --ignore-existing "local/$VIDEO_ASSETS_S3_BUCKET" "local/$DAGSTER_COMPUTE_LOGS_BUCKET"' in text
    # The policy the script writes is valid JSON that names exactly the two buckets.
    block = text[text.index("policy=") : text.index('>"$policy"') + len('>"$policy"')]
    env = {"PATH": "/usr/bin:/bin", "VIDEO_ASSETS_S3_BUCKET": "objects", "DAGSTER_COMPUTE_LOGS_BUCKET": "logs"}
    written = subprocess.run(
        ["sh", "-c", block.replace("policy=/tmp/video-assets-policy.json", "policy=/dev/stdout")],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    statements = json.loads(written)["Statement"]
    resources = {resource for statement in statements for resource in statement["Resource"]}
    assert resources == {"arn:aws:s3:::objects", "arn:aws:s3:::logs", "arn:aws:s3:::objects/*", "arn:aws:s3:::logs/*"}
    init = services(compose)["minio-init"]
    assert init["entrypoint"] == ["/bin/sh", "/minio-init.sh"]
    assert "./minio-init.sh:/minio-init.sh:ro" in init["volumes"]
    # Root credentials only where they are needed; the long-running services get the limited user.
    for name, service in services(compose).items():
        if name not in ("minio", "minio-init"):
            assert not {"MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"} & set(environment(service)), name


def test_postgres_init_script_is_mounted_and_runs_first_start_only(compose: dict[str, Any]) -> None:
    postgres = services(compose)["postgres"]
    assert "./initdb:/docker-entrypoint-initdb.d:ro" in postgres["volumes"]
    scripts = sorted(path.name for path in (DOCKER / "initdb").iterdir())
    assert scripts == ["01-video-assets.sh"]
    assert (DOCKER / "initdb" / "01-video-assets.sh").stat().st_mode & 0o111, "the entrypoint must execute it"
    subprocess.run(["sh", "-n", str(DOCKER / "initdb" / "01-video-assets.sh")], check=True)
    # The health check goes over TCP, which the first-start init server does not listen on.
    assert "-h 127.0.0.1" in postgres["healthcheck"]["test"][1]


def test_the_entrypoint_escapes_every_part_of_the_database_url() -> None:
    entrypoint = load_entrypoint()
    parts = {
        "VIDEO_ASSETS_DB_HOST": "postgres",
        "VIDEO_ASSETS_DB_PORT": "5432",
        "VIDEO_ASSETS_DB_USER": "video@assets",
        "VIDEO_ASSETS_DB_PASSWORD": NASTY_PASSWORD,
        "VIDEO_ASSETS_DB_NAME": "video_assets",
    }
    url = entrypoint.composed_database_url(parts)
    parsed = make_url(url)
    assert (parsed.drivername, parsed.host, parsed.port, parsed.database) == (
        "postgresql+psycopg2",
        "postgres",
        5432,
        "video_assets",
    )
    assert (parsed.username, parsed.password) == ("video@assets", NASTY_PASSWORD)
    assert NASTY_PASSWORD not in url
    # A URL given by hand is kept; without a password nothing is composed.
    assert entrypoint.composed_database_url({**parts, "VIDEO_ASSETS_DATABASE_URL": "sqlite:///x.db"}) is None
    assert entrypoint.composed_database_url({"VIDEO_ASSETS_DB_USER": "u"}) is None
    with pytest.raises(SystemExit, match="VIDEO_ASSETS_DB_NAME"):
        entrypoint.composed_database_url({**parts, "VIDEO_ASSETS_DB_NAME": ""})
    with pytest.raises(SystemExit, match="must be a number"):
        entrypoint.composed_database_url({**parts, "VIDEO_ASSETS_DB_PORT": "54x"})
    environ = dict(parts)
    entrypoint.prepare_environment(environ)
    assert make_url(environ["VIDEO_ASSETS_DATABASE_URL"]).password == NASTY_PASSWORD


def test_the_run_launcher_is_named_where_operators_look(compose: dict[str, Any]) -> None:
    instance = yaml.safe_load((DOCKER / "dagster.yaml").read_text(encoding="utf-8"))
    launcher = instance["run_launcher"]["class"]
    assert launcher == "DefaultRunLauncher"
    assert f"Run launcher: {launcher}" in COMPOSE_FILE.read_text(encoding="utf-8")
    assert launcher in (REPO / "docs" / "operations.md").read_text(encoding="utf-8")


def test_each_celery_queue_has_a_scalable_worker_service_with_the_executors_own_config(
    compose: dict[str, Any],
) -> None:
    from executors.queues import QUEUES

    workers = {name: services(compose)[name] for name in CELERY_WORKERS}
    listened = set()
    for name, service in workers.items():
        command = " ".join(service["command"])
        assert service["profiles"] == ["celery"] and "container_name" not in service, name  # --scale needs no name
        assert "video-assets celery-config >/tmp/celery.yaml" in command and "-y /tmp/celery.yaml" in command
        queue = re.search(r"-q (\w+) -n (\w+)-%h", command)
        assert queue and queue.group(1) == queue.group(2), command
        listened.add(queue.group(1))
    assert listened == set(QUEUES)
