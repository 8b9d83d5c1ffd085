"""Bearer tokens: 256 random bits, shown once, stored as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from sqlmodel import Session

from domain.enums import Role
from domain.models import ApiToken


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    session: Session,
    role: Role,
    *,
    firm_id: str | None = None,
    staff_id: str | None = None,
    client_id: str | None = None,
    portal_user_id: str | None = None,
) -> str:
    """Store a new token for ``role`` with its scope; return it in clear, the only time."""
    token = f"sc_{secrets.token_urlsafe(32)}"
    session.add(
        ApiToken(
            token_hash=hash_token(token),
            role=role,
            firm_id=firm_id,
            staff_id=staff_id,
            client_id=client_id,
            portal_user_id=portal_user_id,
        )
    )
    return token
