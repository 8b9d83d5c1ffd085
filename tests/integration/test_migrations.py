"""The migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import domain.models  # noqa: F401  (the tables' metadata)
from domain.db import get_engine
from tests.integration.database import database  # noqa: F401

pytestmark = pytest.mark.usefixtures("database")


def test_the_migrated_schema_matches_the_models() -> None:
    with get_engine().connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []
