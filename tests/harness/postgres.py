"""Postgres for tests: VIDEO_ASSETS_TEST_DATABASE_URL if set, else a throwaway cluster started here."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
from psycopg2 import sql
from sqlalchemy.engine import make_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not candidates:
        raise RuntimeError(f"{name} not found: install postgresql or set VIDEO_ASSETS_TEST_DATABASE_URL")
    return str(candidates[-1])


def _as_postgres_user(cmd: list[str]) -> list[str]:
    # initdb refuses to run as root; the Debian package creates a `postgres` user.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    data_dir = Path(tempfile.mkdtemp(prefix="va-pg-"))
    port = free_port()
    if os.geteuid() == 0:
        shutil.chown(data_dir, "postgres", "postgres")
    subprocess.run(
        _as_postgres_user(
            [_pg_bin("initdb"), "-D", str(data_dir / "data"), "--auth=trust", "-U", "postgres", "-E", "UTF8"]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    options = f"-p {port} -k {data_dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    subprocess.run(
        _as_postgres_user(
            [_pg_bin("pg_ctl"), "-D", str(data_dir / "data"), "-o", options, "-w", "-l", str(data_dir / "log"), "start"]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_postgres_user([_pg_bin("pg_ctl"), "-D", str(data_dir / "data"), "-m", "immediate", "stop"]),
            stdout=subprocess.DEVNULL,
        )
        shutil.rmtree(data_dir, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[str]:
    configured = os.environ.get("VIDEO_ASSETS_TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    with throwaway_cluster() as url:
        yield url


def _admin_connection(server_url: str) -> psycopg2.extensions.connection:
    url = make_url(server_url)
    connection = psycopg2.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.database or "postgres",
    )
    connection.autocommit = True
    return connection


def create_database(server_url: str, name: str, template: str | None = None) -> str:
    connection = _admin_connection(server_url)
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if template:
            for _ in range(50):
                try:
                    cursor.execute(
                        sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
                    )
                    break
                except psycopg2.errors.ObjectInUse:
                    time.sleep(0.1)
        else:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    connection = _admin_connection(server_url)
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    connection.close()
