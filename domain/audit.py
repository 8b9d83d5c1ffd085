"""The audit log: every change, who made it, from which token, and when.

A session that acts for a caller carries an ``Actor`` (``act_as``); before each flush, every
row it inserts, updates or deletes becomes an ``AuditEntry`` in the same transaction, so a
change and its entry commit or roll back together and no handler can forget one. What moves a
mission forward happens in its workflow, not in the API's session: the API writes those
entries itself (``record``), and the workflow's status transitions are written where they are
recorded (activities/missions.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, SQLModel

from domain.models import AuditEntry, Client, Firm, IdempotencyKey, Mission

_ACTOR_KEY = "sceau.audit.actor"
# Never copied into the log, whatever table holds them.
SECRET_FIELDS = frozenset({"token_hash", "password_hash", "csrf_token"})
MAX_VALUE_LENGTH = 300


@dataclass(frozen=True)
class Actor:
    """Who is acting: a staff member's or portal user's id (or "operator"), and the token used."""

    name: str
    token_id: str | None
    firm_id: str | None


def act_as(session: Session, actor: Actor) -> None:
    """Log every change ``session`` flushes from now on as ``actor``'s."""
    session.info[_ACTOR_KEY] = actor


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    firm_id: str,
    target: str,
    client_id: str | None = None,
    mission_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Log an action whose rows another process writes (a mission's workflow)."""
    session.add(
        AuditEntry(
            firm_id=firm_id,
            client_id=client_id,
            mission_id=mission_id,
            actor=actor.name,
            token_id=actor.token_id,
            action=action,
            target=target,
            details=plain(details or {}),
        )
    )


def plain(value: Any) -> Any:
    """``value`` as JSON holds it: enums as their value, money and dates as strings, text cut."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)[:MAX_VALUE_LENGTH]


def _scope(row: SQLModel, actor: Actor) -> tuple[str | None, str | None, str | None]:
    """The firm, client and mission a changed row belongs to."""
    firm_id = row.id if isinstance(row, Firm) else getattr(row, "firm_id", None)
    client_id = row.id if isinstance(row, Client) else getattr(row, "client_id", None)
    mission_id = row.id if isinstance(row, Mission) else getattr(row, "mission_id", None)
    return firm_id or actor.firm_id, client_id, mission_id


def _values(row: SQLModel) -> dict[str, Any]:
    return {
        column.key: getattr(row, column.key)
        for column in inspect(type(row)).column_attrs
        if column.key not in SECRET_FIELDS
    }


def _changes(row: SQLModel) -> dict[str, Any]:
    state = inspect(row)
    changes: dict[str, Any] = {}
    for column in inspect(type(row)).column_attrs:
        history = state.attrs[column.key].history
        if not history.has_changes():
            continue
        if column.key in SECRET_FIELDS:
            changes[column.key] = "changed"
            continue
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        if before != after:
            changes[column.key] = {"from": before, "to": after}
    return changes


def _entry(row: SQLModel, verb: str, actor: Actor, details: dict[str, Any]) -> AuditEntry | None:
    firm_id, client_id, mission_id = _scope(row, actor)
    if firm_id is None:  # every table Sceau writes for a caller belongs to a firm
        return None
    return AuditEntry(
        firm_id=firm_id,
        client_id=client_id,
        mission_id=mission_id,
        actor=actor.name,
        token_id=actor.token_id,
        action=f"{type(row).__tablename__}.{verb}",
        target=str(getattr(row, "id", "")),
        details=plain(details),
    )


# The log itself, and the idempotency keys that only say a create was asked for twice.
UNLOGGED = (AuditEntry, IdempotencyKey)


@event.listens_for(OrmSession, "before_flush")
def _log_changes(session: OrmSession, _context: Any, _instances: Any) -> None:
    actor = session.info.get(_ACTOR_KEY)
    if not isinstance(actor, Actor):
        return
    entries: list[AuditEntry | None] = []
    for row in session.new:
        if isinstance(row, SQLModel) and not isinstance(row, UNLOGGED):
            entries.append(_entry(row, "created", actor, _values(row)))
    for row in session.dirty:
        if isinstance(row, SQLModel) and not isinstance(row, UNLOGGED):
            changes = _changes(row)
            if changes:
                entries.append(_entry(row, "updated", actor, changes))
    for row in session.deleted:
        if isinstance(row, SQLModel) and not isinstance(row, UNLOGGED):
            entries.append(_entry(row, "deleted", actor, _values(row)))
    session.add_all(entry for entry in entries if entry is not None)
