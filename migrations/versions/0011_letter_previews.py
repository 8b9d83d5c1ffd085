"""letter previews: each mission's last preview PDF, keyed by the digest of its inputs

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "letterpreview",
        sa.Column("mission_id", String(length=40), nullable=False),
        sa.Column("firm_id", String(length=40), nullable=False),
        sa.Column("inputs_digest", String(length=64), nullable=False),
        sa.Column("pdf_sha256", String(length=64), nullable=False),
        sa.Column("made_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["firm_id"], ["firm.id"]),
        sa.ForeignKeyConstraint(["mission_id"], ["mission.id"]),
        sa.PrimaryKeyConstraint("mission_id"),
    )
    with op.batch_alter_table("letterpreview", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_letterpreview_firm_id"), ["firm_id"], unique=False)


def downgrade() -> None:
    op.drop_table("letterpreview")
