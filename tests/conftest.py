"""Shared fixtures: real Postgres and SQLite databases, a real S3-protocol server, and object stores."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from tests.harness.postgres import create_database, drop_database, postgres_server
from tests.harness.s3 import moto_server
from video_assets.db.engine import get_engine
from video_assets.db.migrate import upgrade
from video_assets.settings import sqlite_url
from video_assets.storage import LocalObjectStore, ObjectStore, S3ObjectStore

TEMPLATE_DB = "video_assets_template"

pytest_plugins = ["tests.fixtures.media"]


@dataclass(frozen=True)
class PostgresCluster:
    server_url: str
    template: str


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """Migrate once into a template database; each test clones it (CREATE DATABASE ... TEMPLATE)."""
    with postgres_server() as server_url:
        template = f"{TEMPLATE_DB}_{uuid.uuid4().hex[:8]}"
        template_url = create_database(server_url, template)
        upgrade(template_url)
        get_engine(template_url).dispose()
        yield PostgresCluster(server_url, template)
        drop_database(server_url, template)


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("sqlite-template")
    upgrade(sqlite_url(home))
    get_engine(sqlite_url(home)).dispose()  # closing the last connection checkpoints the WAL into the file
    return home / "video_assets.db"


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> Iterator[str]:
    name = f"va_test_{uuid.uuid4().hex[:12]}"
    url = create_database(postgres_cluster.server_url, name, template=postgres_cluster.template)
    yield url
    get_engine(url).dispose()
    drop_database(postgres_cluster.server_url, name)


@pytest.fixture
def sqlite_database_url(migrated_sqlite_file: Path, tmp_path: Path) -> str:
    home = tmp_path / "sqlite-home"
    home.mkdir()
    shutil.copyfile(migrated_sqlite_file, home / "video_assets.db")
    return sqlite_url(home)


@pytest.fixture(params=["postgres", "sqlite"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The same test runs on Postgres and on the embedded SQLite default."""
    fixture = "postgres_url" if request.param == "postgres" else "sqlite_database_url"
    return request.getfixturevalue(fixture)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_client(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")


@pytest.fixture
def s3_store(s3_client: object) -> S3ObjectStore:
    store = S3ObjectStore(s3_client, f"test-{uuid.uuid4().hex[:12]}")
    store.ensure_bucket()
    return store


@pytest.fixture(params=["s3", "local"])
def object_store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "s3":
        return request.getfixturevalue("s3_store")
    return LocalObjectStore(tmp_path / "objects")
