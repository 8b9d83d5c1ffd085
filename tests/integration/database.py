"""Throwaway databases for integration tests: a SQLite file or a fresh PostgreSQL database.

``fresh_database(kind)`` is the bare helper (other suites import it); the ``database`` fixture
runs the migrations on it and points Sceau's settings at it, once per kind:

    from tests.integration.database import database  # noqa: F401
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event

from domain.db import engine_for, get_engine
from domain.migrate import upgrade
from domain.settings import get_settings

KINDS = ["sqlite", "postgresql"]
POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
POSTGRES_ADMIN_URL = f"{POSTGRES_SERVER}/test"


def forget_engine(url: str) -> None:
    """Close the pooled connections to ``url`` and empty Sceau's engine cache."""
    engine_for(url).dispose()
    engine_for.cache_clear()


@contextmanager
def fresh_database(kind: str) -> Iterator[str]:
    """Yield the URL of an empty database of ``kind``; drop it afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="sceau_test_") as directory:
            url = f"sqlite:///{Path(directory) / 'sceau.db'}"
            try:
                yield url
            finally:
                forget_engine(url)
        return
    if kind != "postgresql":
        raise ValueError(f"unknown database kind {kind!r}; expected one of {KINDS}")

    name = f"sceau_test_{secrets.token_hex(8)}"
    url = f"{POSTGRES_SERVER}/{name}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield url
        finally:
            forget_engine(url)
            with admin.connect() as connection:
                # FORCE: a connection someone forgot to close must not leave the database behind.
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@pytest.fixture(params=KINDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database of each kind, with SCEAU_DATABASE_URL and SCEAU_DATA_DIR set."""
    with fresh_database(request.param) as url, pytest.MonkeyPatch.context() as patch:
        get_settings.cache_clear()
        patch.setenv("SCEAU_DATABASE_URL", url)
        patch.setenv("SCEAU_DATA_DIR", str(tmp_path))
        get_settings.cache_clear()
        try:
            upgrade(url)
            yield url
        finally:
            get_settings.cache_clear()
    # The environment is restored now: forget the settings read while it was patched.
    get_settings.cache_clear()


@contextmanager
def counting_statements() -> Iterator[list[str]]:
    """The SQL statements run on Sceau's engine while inside, as they run."""
    ran: list[str] = []

    def counted(*args: object) -> None:
        ran.append(str(args[2]))

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", counted)
    try:
        yield ran
    finally:
        event.remove(engine, "before_cursor_execute", counted)
