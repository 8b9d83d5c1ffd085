"""The audit log: per mission and per client for the firm's staff, whole for its admins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from api.deps import DbSession, FirmAdmin, FirmStaff, firm_row
from api.errors import invalid
from api.schemas import AuditOut
from domain.models import AuditEntry, Client, Mission

router = APIRouter(prefix="/v1", tags=["audit"])

# The largest audit id: the column is an INTEGER, 32 bits on PostgreSQL (SQLite's hold 64). A
# larger `after` is a 422, not an overflow in the database driver (a 500).
MAX_ID = 2**31 - 1


def firm_entries(session: Session, firm_id: str, condition: ColumnElement[bool]) -> list[AuditOut]:
    found = session.exec(
        select(AuditEntry)
        .where(AuditEntry.firm_id == firm_id, condition)
        .order_by(col(AuditEntry.id))
    )
    return [AuditOut(**entry.model_dump()) for entry in found]


@router.get("/missions/{mission_id}/audit", response_model=list[AuditOut])
def mission_audit(mission_id: str, session: DbSession, staff: FirmStaff) -> list[AuditOut]:
    """Every change to the mission, its lines, letters, work and requests, oldest first."""
    mission = firm_row(session, Mission, staff.firm, mission_id, "mission")
    return firm_entries(session, staff.firm, col(AuditEntry.mission_id) == mission.id)


@router.get("/clients/{client_id}/audit", response_model=list[AuditOut])
def client_audit(client_id: str, session: DbSession, staff: FirmStaff) -> list[AuditOut]:
    """Every change to the client's file, its missions included, oldest first."""
    client = firm_row(session, Client, staff.firm, client_id, "client")
    return firm_entries(session, staff.firm, col(AuditEntry.client_id) == client.id)


@router.get("/audit", response_model=list[AuditOut])
def firm_audit(
    session: DbSession,
    admin: FirmAdmin,
    response: Response,
    actor: str | None = None,
    action: str | None = None,
    mission_id: str | None = None,
    client_id: str | None = None,
    since: datetime | None = None,
    until: Annotated[datetime | None, Query(description="exclusive")] = None,
    after: Annotated[
        int, Query(ge=0, le=MAX_ID, description="the X-Next-After of the page before")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditOut]:
    """The firm's whole log, oldest first, a page at a time: while there is more, the answer
    carries `X-Next-After`, to send back as `after`."""
    if since is not None and until is not None and since >= until:
        raise invalid("`since` must be before `until`")
    query = select(AuditEntry).where(AuditEntry.firm_id == admin.firm, col(AuditEntry.id) > after)
    for column, value in (
        (AuditEntry.actor, actor),
        (AuditEntry.action, action),
        (AuditEntry.mission_id, mission_id),
        (AuditEntry.client_id, client_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(col(AuditEntry.at) >= since)
    if until is not None:
        query = query.where(col(AuditEntry.at) < until)
    found = list(session.exec(query.order_by(col(AuditEntry.id)).limit(limit + 1)))
    page = found[:limit]
    if len(found) > limit:
        response.headers["X-Next-After"] = str(page[-1].id)
    return [AuditOut(**entry.model_dump()) for entry in page]
