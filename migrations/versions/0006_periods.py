"""periods: renewal and termination of missions, consumer clients, the firm's clock

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The new values of existing enumerations; PostgreSQL keeps them as types of their own.
NEW_ENUM_VALUES = {
    "missionstatus": "terminated",
    "workstatus": "cancelled",
    "documentkind": "renewal_notice",
}


WORK_STATUSES = ("open", "answered", "done")
DOCUMENT_KINDS = ("letter", "signed_letter", "audit_trail", "upload")


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for enum, value in NEW_ENUM_VALUES.items():
            op.execute(f"ALTER TYPE {enum} ADD VALUE IF NOT EXISTS '{value}'")
    else:
        # Elsewhere an enumeration is a VARCHAR as long as its longest value.
        with op.batch_alter_table("workitem", schema=None) as batch_op:
            batch_op.alter_column(
                "status",
                existing_type=sa.Enum(*WORK_STATUSES, name="workstatus"),
                type_=sa.Enum(*WORK_STATUSES, "cancelled", name="workstatus"),
                existing_nullable=False,
            )
        with op.batch_alter_table("document", schema=None) as batch_op:
            batch_op.alter_column(
                "kind",
                existing_type=sa.Enum(*DOCUMENT_KINDS, name="documentkind"),
                type_=sa.Enum(*DOCUMENT_KINDS, "renewal_notice", name="documentkind"),
                existing_nullable=False,
            )
    with op.batch_alter_table("firm", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "time_zone",
                sqlmodel.sql.sqltypes.AutoString(length=60),
                nullable=False,
                server_default="Europe/Paris",
            )
        )
        batch_op.add_column(
            sa.Column(
                "openings_at",
                sqlmodel.sql.sqltypes.AutoString(length=5),
                nullable=False,
                server_default="00:00",
            )
        )
        batch_op.add_column(
            sa.Column("work_lead_days", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("consumer", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("mission", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "renewal",
                sqlmodel.sql.sqltypes.AutoString(length=10),
                nullable=False,
                server_default="tacit",
            )
        )
        batch_op.add_column(
            sa.Column("notice_months", sa.Integer(), nullable=False, server_default="3")
        )
        batch_op.add_column(sa.Column("renewals", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("termination", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("termination_effective_on", sa.Date(), nullable=True))
    with op.batch_alter_table("missionevent", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sqlmodel.sql.sqltypes.AutoString(length=20),
                nullable=False,
                server_default="status",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("missionevent", schema=None) as batch_op:
        batch_op.drop_column("kind")
    with op.batch_alter_table("mission", schema=None) as batch_op:
        for column in (
            "termination_effective_on",
            "termination",
            "renewals",
            "notice_months",
            "renewal",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.drop_column("consumer")
    with op.batch_alter_table("firm", schema=None) as batch_op:
        for column in ("work_lead_days", "openings_at", "time_zone"):
            batch_op.drop_column(column)
