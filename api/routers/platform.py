"""Platform and firm set-up: firms (operator), the firm's time settings and staff (firm admin)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import Session, select

from api.deps import DbSession, FirmAdmin, FirmStaff, Operator, firm_row
from api.errors import ApiError, conflict, not_found
from api.schemas import (
    Created,
    FirmCreated,
    FirmIn,
    FirmSettings,
    FirmSettingsIn,
    StaffIn,
    TokensRevoked,
)
from domain.enums import Role
from domain.models import Firm, Staff
from domain.tokens import issue_token, revoke_tokens

router = APIRouter(prefix="/v1", tags=["platform"])


@router.post("/firms", status_code=201, response_model=FirmCreated)
def create_firm(body: FirmIn, session: DbSession, _: Operator) -> FirmCreated:
    firm = Firm(**body.model_dump())
    admin = Staff(
        firm_id=firm.id,
        # A host name has no underscore: the firm id's "firm_" becomes "firm-".
        email=f"admin@{firm.id.replace('_', '-')}.sceau.local",
        first_name="Administrateur",
        last_name=body.name,
        role=Role.admin,
    )
    session.add(firm)
    session.add(admin)
    session.flush()
    token = issue_token(session, Role.admin, firm_id=firm.id, staff_id=admin.id)
    return FirmCreated(
        id=firm.id,
        admin_id=admin.id,
        admin_token=token.value,
        admin_token_expires_at=token.expires_at,
    )


def _firm(session: Session, firm_id: str) -> Firm:
    firm = session.get(Firm, firm_id)
    if firm is None:
        raise not_found(f"firm {firm_id}")
    return firm


def _settings(firm: Firm) -> FirmSettings:
    return FirmSettings(
        time_zone=firm.time_zone, openings_at=firm.openings_at, work_lead_days=firm.work_lead_days
    )


@router.get("/firm/settings", response_model=FirmSettings)
def read_firm_settings(session: DbSession, member: FirmStaff) -> FirmSettings:
    """When the firm's day begins: the plan's dates and the missions' renewals follow it."""
    return _settings(_firm(session, member.firm))


@router.patch("/firm/settings", response_model=FirmSettings)
def change_firm_settings(
    body: FirmSettingsIn, session: DbSession, admin: FirmAdmin
) -> FirmSettings:
    """Change the firm's time zone, openings time or lead days; those left out keep their
    value, and the audit log keeps each change. A running mission follows the new settings
    from its next wake-up: the instant it sleeps until now was worked out with the old ones."""
    firm = _firm(session, admin.firm)
    for name, value in body.model_dump(exclude_unset=True).items():
        setattr(firm, name, value)
    return _settings(firm)


@router.post("/staff", status_code=201, response_model=Created)
def create_staff(body: StaffIn, session: DbSession, admin: FirmAdmin) -> Created:
    taken = session.exec(
        select(Staff).where(Staff.firm_id == admin.firm, Staff.email == body.email)
    ).first()
    if taken is not None:
        raise ApiError(409, "conflict", f"{body.email} is already a staff member")
    staff = Staff(firm_id=admin.firm, **body.model_dump())
    session.add(staff)
    session.flush()
    token = issue_token(session, Role(body.role), firm_id=admin.firm, staff_id=staff.id)
    return Created(id=staff.id, token=token.value, token_expires_at=token.expires_at)


@router.post("/staff/{staff_id}/tokens", status_code=201, response_model=Created)
def issue_staff_token(staff_id: str, session: DbSession, admin: FirmAdmin) -> Created:
    """A new token for a staff member, shown once (after a revocation, say)."""
    staff = firm_row(session, Staff, admin.firm, staff_id, "staff member")
    token = issue_token(session, Role(staff.role), firm_id=admin.firm, staff_id=staff.id)
    return Created(id=staff.id, token=token.value, token_expires_at=token.expires_at)


@router.delete("/staff/{staff_id}/tokens", response_model=TokensRevoked)
def revoke_staff_tokens(staff_id: str, session: DbSession, admin: FirmAdmin) -> TokensRevoked:
    """Every token of the staff member answers 401 from now on."""
    staff = firm_row(session, Staff, admin.firm, staff_id, "staff member")
    if staff.id == admin.staff_id:
        # A firm whose only admin revoked itself would be locked out for good.
        raise conflict("an admin cannot revoke their own tokens; another admin can")
    return TokensRevoked(revoked=revoke_tokens(session, staff_id=staff.id))
