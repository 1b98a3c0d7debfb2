"""Engines and sessions for Postgres (`postgresql+psycopg2://`) and the embedded SQLite default."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TypeVar

import psycopg2
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

T = TypeVar("T")


def normalise_url(url: str) -> str:
    """SQLAlchemy 2.1 maps bare postgresql:// to psycopg 3; we ship psycopg2."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg2://" + url.split("://", 1)[1]
    return url


@cache
def get_engine(url: str) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_size=5, max_overflow=10)
    event.listen(engine, "connect", _note_checkin)  # a connection just made needs no ping
    event.listen(engine, "checkin", _note_checkin)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


# A connection handed back less than this ago was working then; one idle longer is pinged before use, as
# `pool_pre_ping` would ping every one. Under load the pool's connections go round within milliseconds, and a ping per
# checkout was three of an API submit's thirteen round trips.
PING_AFTER_IDLE_SECONDS = 1.0


def _note_checkin(_dbapi_connection: object, record: ConnectionPoolEntry) -> None:
    record.info["checked_in_at"] = time.monotonic()


def _ping_if_idle(dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry, _proxy: object) -> None:
    """A dead connection raises DisconnectionError, on which the pool replaces it and checks out again."""
    if time.monotonic() - record.info.get("checked_in_at", 0.0) < PING_AFTER_IDLE_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
    except psycopg2.Error as error:
        raise DisconnectionError(str(error)) from error


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@cache
def _sessions(url: str) -> sessionmaker[Session]:
    # One factory per database: a new sessionmaker is a new Session subclass, whose event dispatch SQLAlchemy builds
    # again on first use (a tenth of an API submit's CPU when made per call).
    return sessionmaker(get_engine(url), expire_on_commit=False)


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """One transaction: committed on success, rolled back on error."""
    session = _sessions(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def autocommit_scope(url: str) -> Iterator[Session]:
    """Each statement its own transaction. For single atomic statements on hot rows (the API's per-tenant call
    counter): the row's lock ends with the statement, inside the server, instead of lasting until the client's
    COMMIT arrives, which under load waits for a busy process to get back to it."""
    connection = get_engine(url).connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        with Session(bind=connection, expire_on_commit=False) as session:
            yield session
            session.commit()  # flushes what was added; the server has committed each statement already
    finally:
        connection.close()


def is_unreachable(error: BaseException) -> bool:
    """The database server could not be reached or dropped the connection: waiting may fix it."""
    if not isinstance(error, DBAPIError):
        return False
    return error.connection_invalidated or isinstance(error.orig, psycopg2.OperationalError | psycopg2.InterfaceError)


def when_reachable(work: Callable[[], T], wait_seconds: float) -> T:
    """`work()`, tried again with backoff while the database is unreachable, for up to `wait_seconds`; then the
    last error propagates."""
    deadline = time.monotonic() + wait_seconds
    delay = 0.25
    while True:
        try:
            return work()
        except DBAPIError as error:
            if not is_unreachable(error) or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 10.0)
