"""Alembic environment: the URL comes from Sceau's settings unless the caller set one."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import domain.models  # noqa: F401  (registers the tables)
from domain.db import engine_for
from domain.settings import get_settings

config = context.config
url = config.get_main_option("sqlalchemy.url") or get_settings().resolved_database_url

with engine_for(url).connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
