"""One-time links sent by e-mail: a client's sign-in, a staff member's invitation.

The link carries 256 random bits; the table keeps their SHA-256 only. A link opens once: it is
spent by a conditional UPDATE (``used_at`` still empty, not expired), so two clicks racing for
it cannot both win.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from domain.models import Firm, SignInLink, Staff, utcnow
from domain.tokens import hash_token

CLIENT_SIGN_IN = "client_sign_in"
STAFF_INVITATION = "staff_invitation"


def issue_link(
    session: Session,
    purpose: str,
    *,
    firm_id: str,
    lifetime: timedelta,
    staff_id: str | None = None,
    portal_user_id: str | None = None,
) -> tuple[str, SignInLink]:
    """A new link for one person; returns the token (in clear, the only time) and its row."""
    assert (staff_id is None) != (portal_user_id is None)
    token = secrets.token_urlsafe(32)
    link = SignInLink(
        token_hash=hash_token(token),
        purpose=purpose,
        firm_id=firm_id,
        staff_id=staff_id,
        portal_user_id=portal_user_id,
        expires_at=utcnow() + lifetime,
    )
    session.add(link)
    session.flush()
    return token, link


def usable_link(session: Session, token: str, purpose: str) -> SignInLink | None:
    """The link behind ``token`` if it may still be used (not spent, not expired)."""
    link = session.exec(
        select(SignInLink).where(SignInLink.token_hash == hash_token(token))
    ).first()
    if link is None or link.purpose != purpose or link.used_at is not None:
        return None
    if link.expires_at <= utcnow():
        return None
    return link


def spend_link(session: Session, token: str, purpose: str) -> SignInLink | None:
    """Use the link once: the row if this call spent it, None if it was unknown, expired or
    already spent (by this call's rival too)."""
    now, token_hash = utcnow(), hash_token(token)
    spent = session.execute(
        update(SignInLink)
        .where(
            col(SignInLink.token_hash) == token_hash,
            col(SignInLink.purpose) == purpose,
            col(SignInLink.used_at).is_(None),
            col(SignInLink.expires_at) > now,
        )
        .values(used_at=now)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.exec(select(SignInLink).where(SignInLink.token_hash == token_hash)).one()


def invite_staff(
    session: Session, *, firm_id: str, staff_id: str, lifetime: timedelta
) -> tuple[str, SignInLink, Staff, Firm] | None:
    """A new invitation link for the firm's staff member (None: no such staff member in this
    firm). Earlier invitations stay valid until they expire or one of them is used."""
    staff = session.get(Staff, staff_id)
    firm = session.get(Firm, firm_id)
    if staff is None or firm is None or staff.firm_id != firm_id:
        return None
    token, link = issue_link(
        session, STAFF_INVITATION, firm_id=firm_id, staff_id=staff.id, lifetime=lifetime
    )
    return token, link, staff, firm
