"""security: the audit log, and the information request a client's upload answers

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-28 02:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "auditentry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("mission_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("token_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("auditentry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auditentry_firm_id"), ["firm_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_auditentry_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_auditentry_mission_id"), ["mission_id"], unique=False)
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("work_item_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_document_work_item_id"), ["work_item_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_work_item_id"))
        batch_op.drop_column("work_item_id")
    with op.batch_alter_table("auditentry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auditentry_mission_id"))
        batch_op.drop_index(batch_op.f("ix_auditentry_client_id"))
        batch_op.drop_index(batch_op.f("ix_auditentry_firm_id"))
    op.drop_table("auditentry")
