"""web sessions: staff passwords, browser sessions and one-time e-mailed links

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString
Time = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "staffpassword",
        sa.Column("staff_id", String(length=40), nullable=False),
        sa.Column("password_hash", String(length=200), nullable=False),
        sa.Column("changed_at", Time(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("staff_id"),
    )
    op.create_table(
        "websession",
        sa.Column("id", String(length=40), nullable=False),
        sa.Column("token_hash", String(length=64), nullable=False),
        sa.Column("kind", String(length=10), nullable=False),
        sa.Column("firm_id", String(), nullable=False),
        sa.Column("staff_id", String(), nullable=True),
        sa.Column("portal_user_id", String(), nullable=True),
        sa.Column("csrf_token", String(length=64), nullable=False),
        sa.Column("created_at", Time(), nullable=False),
        sa.Column("expires_at", Time(), nullable=False),
        sa.Column("revoked_at", Time(), nullable=True),
        sa.ForeignKeyConstraint(["firm_id"], ["firm.id"]),
        sa.ForeignKeyConstraint(["portal_user_id"], ["portaluser.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("websession", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_websession_token_hash"), ["token_hash"], unique=True)
        batch_op.create_index(batch_op.f("ix_websession_firm_id"), ["firm_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_websession_staff_id"), ["staff_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_websession_portal_user_id"), ["portal_user_id"], unique=False
        )
    op.create_table(
        "signinlink",
        sa.Column("id", String(length=40), nullable=False),
        sa.Column("token_hash", String(length=64), nullable=False),
        sa.Column("purpose", String(length=20), nullable=False),
        sa.Column("firm_id", String(), nullable=False),
        sa.Column("staff_id", String(), nullable=True),
        sa.Column("portal_user_id", String(), nullable=True),
        sa.Column("created_at", Time(), nullable=False),
        sa.Column("expires_at", Time(), nullable=False),
        sa.Column("used_at", Time(), nullable=True),
        sa.ForeignKeyConstraint(["firm_id"], ["firm.id"]),
        sa.ForeignKeyConstraint(["portal_user_id"], ["portaluser.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("signinlink", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signinlink_token_hash"), ["token_hash"], unique=True)
        batch_op.create_index(batch_op.f("ix_signinlink_firm_id"), ["firm_id"], unique=False)


def downgrade() -> None:
    op.drop_table("signinlink")
    op.drop_table("websession")
    op.drop_table("staffpassword")
