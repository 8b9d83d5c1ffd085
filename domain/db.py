"""The database engine and sessions.

Every session is synchronous and short. Async callers (the API's async endpoints) run the whole
of a session in the thread pool, never part of it on the event loop: a database wait on the loop
holds every other request, and on SQLite it deadlocks against the writer it waits for.

SQLite is the embedded default, shared by the API and the workers:
- WAL, so that readers never wait for the writer;
- write transactions start with ``BEGIN IMMEDIATE``: they take the write lock up front, so two
  transactions that both read then write cannot deadlock on the lock upgrade;
- a short busy timeout, and a bounded retry of the ``BEGIN`` (nothing has run yet, so it is
  safe to repeat); past that, ``DatabaseBusy`` — the API answers 503 with ``Retry-After``.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

from domain.audit import Actor, act_as
from domain.settings import get_settings

log = logging.getLogger("sceau.db")

# SQLite's own wait for the write lock, then this many more tries with a jittered pause: a
# writer holds the lock for milliseconds, so a wait this long means the disk is contended.
SQLITE_BUSY_TIMEOUT_SECONDS = 2.0
SQLITE_BEGIN_ATTEMPTS = 4
SQLITE_RETRY_PAUSE_SECONDS = 0.05
# Enough connections for the API's thread pool (40 threads) to rarely wait for one.
POOL_SIZE, POOL_OVERFLOW = 10, 30
_BEGIN_OPTION = "sceau_sqlite_begin"


class DatabaseBusy(OperationalError):
    """SQLite's write lock stayed taken past the busy timeout and every retry."""


def _is_locked(error: OperationalError) -> bool:
    return "database is locked" in str(error.orig) or "database is busy" in str(error.orig)


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(
        url,
        # isolation_level=None: the driver issues no BEGIN of its own; ``_begin`` below does.
        connect_args={
            "check_same_thread": False,
            "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
            "isolation_level": None,
        },
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL, NORMAL loses no committed transaction on a crash of the process, only on a
        # power cut; each commit is then a write, not an fsync.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        for attempt in range(1, SQLITE_BEGIN_ATTEMPTS + 1):
            try:
                connection.exec_driver_sql(f"BEGIN {mode}")
                return
            except OperationalError as error:
                if not _is_locked(error):
                    raise
                if attempt == SQLITE_BEGIN_ATTEMPTS:
                    log.warning("SQLite write lock still taken after %d tries", attempt)
                    raise DatabaseBusy(error.statement, error.params, error) from error
                time.sleep(SQLITE_RETRY_PAUSE_SECONDS * attempt * (1 + random.random()))

    return engine


@lru_cache
def engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)


def get_engine() -> Engine:
    settings = get_settings()
    if settings.resolved_database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return engine_for(settings.resolved_database_url)


def uses_sqlite() -> bool:
    return get_settings().resolved_database_url.startswith("sqlite")


def new_session(*, write: bool) -> Session:
    """A session of the shared pool; on SQLite, ``write`` makes it ``BEGIN IMMEDIATE``."""
    engine = get_engine().execution_options(**{_BEGIN_OPTION: "IMMEDIATE" if write else "DEFERRED"})
    return Session(engine, expire_on_commit=False)


@contextmanager
def session_scope(*, write: bool = True, actor: Actor | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error.

    ``write=False`` for a session that only reads: on SQLite it then never waits for the write
    lock. ``actor``: every change the session flushes is audited as theirs.
    """
    with new_session(write=write) as session:
        if actor is not None:
            act_as(session, actor)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
