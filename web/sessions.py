"""Browser sessions: a random value in the cookie, its SHA-256 in the `websession` table.

Functions take a database session and run in a worker thread (api/services/sessions.py).
A session ends when it expires or is revoked; revoking is immediate for every tab, window or
copy of the cookie, since each request looks the row up.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, select

from api.deps import Caller
from domain.enums import Role
from domain.models import Client, Firm, PortalUser, Staff, WebSession, utcnow
from domain.tokens import hash_token, revoke_all

COOKIE = "sceau_session"
STAFF = "staff"
CLIENT = "client"


@dataclass(frozen=True)
class Visitor:
    """Who a page is shown to, as found from their session cookie."""

    session_id: str
    kind: str  # STAFF or CLIENT
    role: Role
    firm_id: str
    firm_name: str
    staff_id: str | None
    portal_user_id: str | None
    client_id: str | None
    # The client's name for a client; the staff member's for staff.
    display_name: str
    email: str
    csrf_token: str

    @property
    def caller(self) -> Caller:
        """The same caller an API token would give: pages call the API's services with it."""
        return Caller(
            self.session_id,
            self.role,
            self.firm_id,
            self.staff_id,
            self.client_id,
            self.portal_user_id,
        )


def open_session(
    session: Session,
    *,
    firm_id: str,
    hours: int,
    staff_id: str | None = None,
    portal_user_id: str | None = None,
) -> str:
    """A new session for a staff member or a portal user; returns the cookie's value."""
    assert (staff_id is None) != (portal_user_id is None)
    value = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=hash_token(value),
            kind=STAFF if staff_id else CLIENT,
            firm_id=firm_id,
            staff_id=staff_id,
            portal_user_id=portal_user_id,
            csrf_token=secrets.token_urlsafe(32),
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    session.flush()
    return value


def find_visitor(session: Session, cookie: str) -> Visitor | None:
    """The live session behind ``cookie`` and whose it is, or None."""
    row = session.exec(
        select(WebSession).where(WebSession.token_hash == hash_token(cookie))
    ).first()
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    firm = session.get(Firm, row.firm_id)
    if firm is None:
        return None
    if row.staff_id is not None:
        staff = session.get(Staff, row.staff_id)
        if staff is None:
            return None
        return Visitor(
            row.id,
            STAFF,
            Role(staff.role),
            firm.id,
            firm.name,
            staff.id,
            None,
            None,
            f"{staff.first_name} {staff.last_name}".strip(),
            staff.email,
            row.csrf_token,
        )
    person = session.get(PortalUser, row.portal_user_id)
    client = session.get(Client, person.client_id) if person is not None else None
    if person is None or client is None:
        return None
    return Visitor(
        row.id,
        CLIENT,
        Role.client,
        firm.id,
        firm.name,
        None,
        person.id,
        client.id,
        client.name,
        person.email,
        row.csrf_token,
    )


def end_session(session: Session, session_id: str) -> None:
    """Sign-out: this session ends, in every tab and window that uses it."""
    row = session.get(WebSession, session_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()


def end_all_sessions(
    session: Session, *, staff_id: str | None = None, portal_user_id: str | None = None
) -> int:
    """Every live session of one person ends (sign-out everywhere, or a new password)."""
    return revoke_all(session, WebSession, staff_id=staff_id, portal_user_id=portal_user_id)
