"""Idempotency keys: a client that retries a create gets what its first request made.

A network error after the server acted leaves the client unsure; with the same
`Idempotency-Key` it can simply send again. The key row is committed with (or before) what
the request creates, so a retry finds the first request's resource id, never a second one.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from domain.models import IdempotencyKey

# Printable ASCII without spaces, as the IETF draft's examples and the usual UUIDs are.
KEY_FORMAT = re.compile(r"[!-~]{1,100}")


class KeyRejected(Exception):
    """A malformed key, or a key already used for another request body."""


@dataclass(frozen=True)
class Claim:
    resource_id: str
    # True when an earlier request with this key made the resource.
    replay: bool


def fingerprint(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _earlier(session: Session, owner: str, operation: str, key: str) -> IdempotencyKey | None:
    return session.exec(
        select(IdempotencyKey).where(
            IdempotencyKey.owner == owner,
            IdempotencyKey.operation == operation,
            IdempotencyKey.key == key,
        )
    ).first()


def _replay(found: IdempotencyKey, body_fingerprint: str) -> Claim:
    if found.fingerprint != body_fingerprint:
        raise KeyRejected("this Idempotency-Key was used with another request body")
    return Claim(found.resource_id, replay=True)


def _checked(key: str) -> str:
    if not KEY_FORMAT.fullmatch(key):
        raise KeyRejected("an Idempotency-Key is 1 to 100 printable ASCII characters")
    return key


def earlier(
    session: Session, *, owner: str, operation: str, key: str, body: dict[str, Any]
) -> Claim | None:
    """What an earlier request with ``key`` claimed, or None: looked up before validating a
    new request, so that a replay is answered even once the request would no longer pass."""
    found = _earlier(session, owner, operation, _checked(key))
    return None if found is None else _replay(found, fingerprint(body))


def claim(
    session: Session,
    *,
    owner: str,
    operation: str,
    key: str,
    body: dict[str, Any],
    resource_id: str,
    write: Callable[[str], None] = lambda _resource_id: None,
) -> Claim:
    """Commit ``key`` for ``resource_id`` with the rows ``write`` adds, or find the earlier claim.

    Two requests racing with one key both insert; the unique constraint lets one commit,
    and the other reads what the first claimed.
    """
    found = earlier(session, owner=owner, operation=operation, key=key, body=body)
    if found is not None:
        return found
    session.add(
        IdempotencyKey(
            owner=owner,
            operation=operation,
            key=key,
            fingerprint=fingerprint(body),
            resource_id=resource_id,
        )
    )
    write(resource_id)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        found = earlier(session, owner=owner, operation=operation, key=key, body=body)
        if found is None:  # the conflict was another constraint: not ours to explain
            raise
        return found
    return Claim(resource_id, replay=False)
