"""What docker/Dockerfile installs, rebuilt without Docker: exactly the sources its COPY lines name, built and
installed the way `pip install` does in the image, then imported from that copy only. The `user-code` service's
command then starts a real code server from it, with the environment the compose file gives that service, and the
service's healthcheck command has to pass against it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.compose import DOCKER, REPO, dockerfile_instructions, load_compose, services
from tests.deploy.conftest import PasswordCluster, service_environment
from tests.harness.postgres import free_port

SOURCE_ROOT = "/tmp/video-assets-src"
MODULES = ("video_assets.definitions", "resources.build", "sensors.requests", "schedules.housekeeping")


def copy_dockerfile_sources(destination: Path) -> None:
    """Every `COPY <repo path> /tmp/video-assets-src/...` of the Dockerfile, minus the caches .dockerignore drops."""
    copied = 0
    for instruction, arguments in dockerfile_instructions():
        parts = arguments.split()
        if instruction != "COPY" or not parts[-1].startswith(SOURCE_ROOT):
            continue
        target = destination / parts[-1].removeprefix(SOURCE_ROOT).strip("/")
        for source in parts[:-1]:
            path = REPO / source
            if path.is_dir():
                shutil.copytree(path, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, target / path.name)
            copied += 1
    assert copied >= 5, "the Dockerfile no longer copies the package sources to " + SOURCE_ROOT


@pytest.fixture(scope="module")
def installed_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("image")
    source, wheels, site = base / "src", base / "wheels", base / "site"
    source.mkdir()
    copy_dockerfile_sources(source)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    # Built in an isolated environment, as `pip install` does in the image (setuptools comes from PyPI).
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(source)], check=True, timeout=600)
    (wheel,) = wheels.glob("video_assets-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True)
    return site


def image_python_env(site: Path, env: dict[str, str]) -> dict[str, str]:
    """Imports resolve to the installed copy first (our sources are not on the path), dependencies to this venv."""
    return {**env, "PYTHONPATH": str(site), "PYTHONNOUSERSITE": "1"}


def test_the_installed_copy_has_every_module_migration_and_prompt(installed_copy: Path, tmp_path: Path) -> None:
    script = (
        "import importlib, sys\n"
        f"for name in {MODULES!r}:\n"
        "    print(importlib.import_module(name).__file__)\n"
        "from video_assets.db.migrate import MIGRATIONS_DIR, upgrade\n"
        f"upgrade('sqlite:///{tmp_path / 'image.db'}')\n"
        "print(MIGRATIONS_DIR)\n"
    )
    env = image_python_env(installed_copy, {"PATH": os.environ["PATH"], "VIDEO_ASSETS_HOME": str(tmp_path)})
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    paths = result.stdout.split()
    assert len(paths) == len(MODULES) + 1
    assert all(path.startswith(str(installed_copy)) for path in paths), paths
    assert list((installed_copy / "video_assets" / "prompts").glob("*.txt"))
    assert (tmp_path / "image.db").stat().st_size > 0


@pytest.fixture
def code_server(
    installed_copy: Path, initialised_cluster: PasswordCluster, s3_endpoint: str, tmp_path: Path
) -> Iterator[tuple[int, dict[str, str]]]:
    """The user-code service's command, through the image's entrypoint, on a free port of this machine."""
    port = free_port()
    command = [str(port) if part == "4000" else "127.0.0.1" if part == "0.0.0.0" else part for part in user_code()]
    env = image_python_env(installed_copy, service_environment("user-code", initialised_cluster, s3_endpoint, tmp_path))
    log = (tmp_path / "code-server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, str(DOCKER / "entrypoint.py"), *command],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield port, env
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait(timeout=10)
        log.close()


def user_code() -> list[str]:
    return list(services(load_compose())["user-code"]["command"])


def test_the_code_server_starts_and_passes_its_healthcheck(
    code_server: tuple[int, dict[str, str]], tmp_path: Path
) -> None:
    port, env = code_server
    healthcheck = services(load_compose())["user-code"]["healthcheck"]["test"]
    assert healthcheck[0] == "CMD"
    probe = [str(port) if part == "4000" else part for part in healthcheck[1:]]
    deadline = time.monotonic() + 180
    while True:
        result = subprocess.run(probe, env=env, capture_output=True, text=True, timeout=60)
        if result.returncode == 0:
            break
        if time.monotonic() > deadline:
            log = (tmp_path / "code-server.log").read_text(errors="replace")
            pytest.fail(f"healthcheck never passed: {result.stdout}{result.stderr}\n{log[-4000:]}")
        time.sleep(1)

    from dagster._grpc.client import DagsterGrpcClient
    from dagster._grpc.types import ListRepositoriesResponse
    from dagster._serdes import deserialize_value

    response = deserialize_value(DagsterGrpcClient(port=port, host="127.0.0.1").list_repositories())
    assert isinstance(response, ListRepositoriesResponse)
    pointers = response.repository_code_pointer_dict.values()
    assert [getattr(pointer, "module", None) for pointer in pointers] == ["video_assets.definitions"]
