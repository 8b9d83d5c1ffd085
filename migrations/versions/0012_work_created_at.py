"""work created at: when each task or information request was created, so that an opening's
e-mail lists the requests that opening created, not every open one

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: the work created before is older than any opening still to come.
    with op.batch_alter_table("workitem", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("workitem", schema=None) as batch_op:
        batch_op.drop_column("created_at")
