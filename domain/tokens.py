"""Bearer tokens: 256 random bits, shown once, stored as their SHA-256, revocable, and
valid for SCEAU_TOKEN_DAYS days."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlmodel import Session, col, select

from domain.enums import Role
from domain.models import ApiToken, utcnow
from domain.settings import get_settings


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    value: str
    expires_at: datetime | None


def issue_token(
    session: Session,
    role: Role,
    *,
    firm_id: str | None = None,
    staff_id: str | None = None,
    client_id: str | None = None,
    portal_user_id: str | None = None,
) -> IssuedToken:
    """Store a new token for ``role`` with its scope; return it in clear, the only time."""
    token = f"sc_{secrets.token_urlsafe(32)}"
    days = get_settings().token_days
    expires_at = utcnow() + timedelta(days=days) if days else None
    session.add(
        ApiToken(
            token_hash=hash_token(token),
            role=role,
            firm_id=firm_id,
            staff_id=staff_id,
            client_id=client_id,
            portal_user_id=portal_user_id,
            expires_at=expires_at,
        )
    )
    return IssuedToken(token, expires_at)


def expired(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and expires_at <= now


class Revocable(Protocol):
    """A credential held by one person, live until revoked: an API token, a browser session."""

    revoked_at: datetime | None
    staff_id: str | None
    portal_user_id: str | None


def revoke_all(
    session: Session,
    kind: type[Revocable],
    *,
    staff_id: str | None = None,
    portal_user_id: str | None = None,
) -> int:
    """Revoke every live credential of ``kind`` held by one staff member or portal user;
    return how many."""
    assert (staff_id is None) != (portal_user_id is None)
    holder = (
        col(kind.staff_id) == staff_id
        if staff_id is not None
        else col(kind.portal_user_id) == portal_user_id
    )
    now = utcnow()
    revoked = 0
    for row in session.exec(select(kind).where(col(kind.revoked_at).is_(None), holder)):
        row.revoked_at = now
        revoked += 1
    session.flush()
    return revoked


def revoke_tokens(
    session: Session, *, staff_id: str | None = None, portal_user_id: str | None = None
) -> int:
    """Revoke every live token of one staff member or portal user; return how many."""
    return revoke_all(session, ApiToken, staff_id=staff_id, portal_user_id=portal_user_id)
