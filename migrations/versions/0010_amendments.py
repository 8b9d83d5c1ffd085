"""amendments: a mission's avenants, their new lines and their letter and signature

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString
Time = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "amendment",
        sa.Column("id", String(length=40), nullable=False),
        sa.Column("mission_id", String(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", String(length=20), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("reason", String(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("letter_version", sa.Integer(), nullable=False),
        sa.Column("document_id", String(length=40), nullable=True),
        sa.Column("signature_id", String(length=40), nullable=True),
        sa.Column("created_at", Time(), nullable=False),
        sa.Column("updated_at", Time(), nullable=False),
        sa.ForeignKeyConstraint(["mission_id"], ["mission.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("mission_id", "number"),
    )
    op.create_index(op.f("ix_amendment_mission_id"), "amendment", ["mission_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_amendment_mission_id"), table_name="amendment")
    op.drop_table("amendment")
