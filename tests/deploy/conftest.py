"""A Postgres cluster that checks passwords, initialised by docker/initdb as the postgres image does on first start,
and the compose file's service environments pointed at this machine."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.compose import DOCKER, environment, interpolate, load_compose, required_variables, services
from tests.harness.postgres import _as_postgres_user, _pg_bin, free_port

INIT_SCRIPT = DOCKER / "initdb" / "01-video-assets.sh"
VENV_BIN = Path(sys.executable).parent
# Every character that breaks a password pasted into a URL or into SQL.
DAGSTER_PASSWORD = "dg@pass:w/rd?#%&'\" $HOME\\"
APP_PASSWORD = "va'pa@ss/:%40#?&= $x\\n"
SUPERUSER_PASSWORD = "super-secret-for-tests"


@dataclass(frozen=True)
class PasswordCluster:
    port: int
    socket_dir: Path


@pytest.fixture(scope="session")
def password_cluster() -> Iterator[PasswordCluster]:
    """A throwaway cluster where TCP connections must present the right password (scram-sha-256)."""
    try:
        initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    except RuntimeError as error:
        pytest.skip(str(error))
    base = Path(tempfile.mkdtemp(prefix="va-deploy-pg-"))
    pwfile = base / "pwfile"
    pwfile.write_text(SUPERUSER_PASSWORD + "\n", encoding="utf-8")
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
        shutil.chown(pwfile, "postgres", "postgres")
    data = base / "data"
    subprocess.run(
        _as_postgres_user(
            [initdb, "-D", str(data), "-U", "postgres", "-E", "UTF8", "--auth-local=trust"]
            + ["--auth-host=scram-sha-256", f"--pwfile={pwfile}"]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    port = free_port()
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    subprocess.run(
        _as_postgres_user([pg_ctl, "-D", str(data), "-o", options, "-w", "-l", str(base / "log"), "start"]),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield PasswordCluster(port, base)
    finally:
        subprocess.run(
            _as_postgres_user([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]), stdout=subprocess.DEVNULL
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def initialised_cluster(password_cluster: PasswordCluster) -> PasswordCluster:
    """docker/initdb/01-video-assets.sh, run as the postgres image runs it on first start: executed (not sourced),
    over the local socket, as the superuser, with the compose file's postgres environment."""
    env = {
        "PATH": os.environ["PATH"],
        "PGHOST": str(password_cluster.socket_dir),
        "PGPORT": str(password_cluster.port),
        **interpolate(environment(services(load_compose())["postgres"]), compose_variables()),
    }
    assert env["DAGSTER_PG_PASSWORD"] == DAGSTER_PASSWORD and env["VIDEO_ASSETS_DB_PASSWORD"] == APP_PASSWORD
    subprocess.run([str(INIT_SCRIPT)], env=env, check=True, capture_output=True)
    return password_cluster


def compose_variables() -> dict[str, str]:
    """What an operator's .env holds: every required secret (nasty passwords included), nothing else."""
    values = {name: f"{name.lower()}-value" for name in required_variables(load_compose())}
    values.update(
        DAGSTER_PG_PASSWORD=DAGSTER_PASSWORD,
        VIDEO_ASSETS_DB_PASSWORD=APP_PASSWORD,
        POSTGRES_PASSWORD=SUPERUSER_PASSWORD,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
    )
    return values


def service_environment(name: str, cluster: PasswordCluster, s3_endpoint: str, home: Path) -> dict[str, str]:
    """The compose file's environment for `name` (plus the image's DAGSTER_HOME, holding docker/dagster.yaml), with
    the service hostnames swapped for this machine's."""
    env: dict[str, Any] = interpolate(environment(services(load_compose())[name]), compose_variables())
    for key, value in {
        "DAGSTER_PG_HOST": "127.0.0.1",
        "DAGSTER_PG_PORT": str(cluster.port),
        "VIDEO_ASSETS_DB_HOST": "127.0.0.1",
        "VIDEO_ASSETS_DB_PORT": str(cluster.port),
        "VIDEO_ASSETS_S3_ENDPOINT_URL": s3_endpoint,
        "VIDEO_ASSETS_HOME": str(home / "video-assets-home"),
    }.items():
        if key in env:
            env[key] = value
    dagster_home = home / "dagster-home"
    dagster_home.mkdir(parents=True, exist_ok=True)
    shutil.copy(DOCKER / "dagster.yaml", dagster_home / "dagster.yaml")
    return {**env, "DAGSTER_HOME": str(dagster_home), "PATH": f"{VENV_BIN}:{os.environ['PATH']}"}
