"""The audit log, read per mission and per client by the firm's staff."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from api.deps import DbSession, FirmStaff, firm_row
from api.schemas import AuditOut
from domain.models import AuditEntry, Client, Mission

router = APIRouter(prefix="/v1", tags=["audit"])


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
