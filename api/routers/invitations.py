"""Staff invitations: the admin has a one-time link e-mailed to a staff member, who chooses
their password for the pages with it (web/invitation.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

import aiosmtplib
from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import FirmAdmin
from api.errors import not_found
from api.services.sessions import in_session
from domain.account_mail import MailUnavailable, staff_invitation_message
from domain.mail import send
from domain.settings import get_settings
from domain.sign_in_links import invite_staff

router = APIRouter(prefix="/v1", tags=["platform"])

INVITATION_PAGE = "/app/invitation"


class InvitationOut(BaseModel):
    staff_id: str
    sent_to: str
    expires_at: datetime


@router.post("/staff/{staff_id}/invitation", status_code=202, response_model=InvitationOut)
async def invite_staff_member(staff_id: str, admin: FirmAdmin) -> InvitationOut:
    """E-mail the staff member a link (valid SCEAU_INVITATION_LINK_HOURS, once) to choose
    their password for the pages. Each call sends a new link."""
    settings = get_settings()
    invitation = await in_session(
        partial(
            invite_staff,
            firm_id=admin.firm,
            staff_id=staff_id,
            lifetime=timedelta(hours=settings.invitation_link_hours),
        ),
        actor=admin.actor,
    )
    if invitation is None:
        raise not_found(f"staff member {staff_id}")
    token, link, staff, firm = invitation
    message = staff_invitation_message(
        settings,
        to=staff.email,
        link_id=link.id,
        url=f"{settings.resolved_public_url}{INVITATION_PAGE}/{token}",
        firm_name=firm.name,
        first_name=staff.first_name,
        hours=settings.invitation_link_hours,
    )
    try:
        await send(settings, message)
    except (aiosmtplib.SMTPException, OSError) as error:
        # 503 with Retry-After (api/errors.py); a new call sends a new link.
        raise MailUnavailable(str(error)) from error
    return InvitationOut(staff_id=staff.id, sent_to=staff.email, expires_at=link.expires_at)
