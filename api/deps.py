"""Request dependencies: the database session and the caller behind the bearer token."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Annotated, Protocol, TypeVar

import sqlalchemy as sa
from fastapi import Depends, Header, Request
from sqlmodel import Session, col
from temporalio.client import Client

from api.errors import ApiError, not_found
from api.services.sessions import finish_in_thread, writing_turn
from domain.audit import Actor, act_as
from domain.db import get_engine, new_session
from domain.enums import Role
from domain.models import ApiToken, utcnow
from domain.settings import get_settings
from domain.temporal import connect
from domain.tokens import expired, hash_token


class FirmOwned(Protocol):
    firm_id: str


Row = TypeVar("Row", bound=FirmOwned)


def firm_row(session: Session, model: type[Row], firm_id: str, row_id: str, what: str) -> Row:
    """The firm's row, else 404: another firm's id answers exactly as a missing one."""
    row = session.get(model, row_id)
    if row is None or row.firm_id != firm_id:
        raise not_found(f"{what} {row_id}")
    return row


@dataclass(frozen=True)
class Caller:
    token_id: str
    role: Role
    firm_id: str | None
    staff_id: str | None
    client_id: str | None
    portal_user_id: str | None

    @property
    def name(self) -> str:
        """Who acted, as the timeline records it."""
        return self.staff_id or self.portal_user_id or self.role.value

    @property
    def firm(self) -> str:
        assert self.firm_id is not None
        return self.firm_id

    @property
    def actor(self) -> Actor:
        """Who the audit log names for this caller's changes."""
        token = None if self.role == Role.operator else self.token_id
        return Actor(self.name, token, self.firm_id)


# What a request needs of its token, read on a plain connection of its own (the request's
# session, if any, has not begun, and an async endpoint has none to hold open while it
# awaits). Every request does this: an ORM session for it cost 381 µs of CPU here on SQLite,
# this 67 µs (468 and 221 µs on PostgreSQL).
_TOKEN_BY_HASH = sa.select(
    col(ApiToken.id),
    col(ApiToken.role),
    col(ApiToken.firm_id),
    col(ApiToken.staff_id),
    col(ApiToken.client_id),
    col(ApiToken.portal_user_id),
    col(ApiToken.revoked_at),
    col(ApiToken.expires_at),
).where(col(ApiToken.token_hash) == sa.bindparam("token_hash"))


def caller(authorization: Annotated[str | None, Header()] = None) -> Caller:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "unauthorized", "a bearer token is required")
    operator_token = get_settings().secret("operator_token")
    if hmac.compare_digest(token.encode(), operator_token.encode()):
        who = Caller("operator", Role.operator, None, None, None, None)
    else:
        with get_engine().connect() as connection:
            lookup = {"token_hash": hash_token(token)}
            found = connection.execute(_TOKEN_BY_HASH, lookup).first()
        if found is None or found.revoked_at is not None:
            raise ApiError(401, "unauthorized", "unknown or revoked token")
        if expired(found.expires_at, utcnow()):
            raise ApiError(
                401,
                "unauthorized",
                f"this token expired on {found.expires_at:%Y-%m-%d %H:%M} UTC; "
                "ask the firm for a new one",
            )
        who = Caller(
            found.id,
            found.role,
            found.firm_id,
            found.staff_id,
            found.client_id,
            found.portal_user_id,
        )
    return who


def _requires(*roles: Role) -> Callable[[Caller], Caller]:
    def check(who: Annotated[Caller, Depends(caller)]) -> Caller:
        if who.role not in roles:
            allowed = ", ".join(role.value for role in roles)
            raise ApiError(403, "forbidden", f"this operation is for: {allowed}")
        return who

    return check


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def db_session(
    request: Request, who: Annotated[Caller, Depends(caller)]
) -> AsyncIterator[Session]:
    """The session of a synchronous endpoint (FastAPI runs the endpoint in a worker thread).

    Every row it changes is audited as the caller's. A request that may write waits for its
    turn to write first (on SQLite), then takes the write lock from its first statement, so
    that no two requests deadlock upgrading a read to a write. Async endpoints take no such
    session: they run their database steps through ``api.services.sessions``.
    """
    write = request.method not in READ_METHODS
    async with writing_turn() if write else nullcontext():
        session = new_session(write=write)
        act_as(session, who.actor)
        try:
            yield session
            await finish_in_thread(session.commit)
        except BaseException:
            await finish_in_thread(session.rollback)
            raise
        finally:
            await finish_in_thread(session.close)


# "function" scope commits before the response leaves: a client that reads right after a
# write must see it.
DbSession = Annotated[Session, Depends(db_session, scope="function")]

Operator = Annotated[Caller, Depends(_requires(Role.operator))]
FirmAdmin = Annotated[Caller, Depends(_requires(Role.admin))]
FirmStaff = Annotated[Caller, Depends(_requires(Role.admin, Role.staff))]
PortalClient = Annotated[Caller, Depends(_requires(Role.client))]


async def temporal_client(request: Request) -> Client:
    """The API's Temporal client, connected on first need so the API may start before Temporal."""
    client: Client | None = request.app.state.temporal
    if client is None:
        try:
            client = request.app.state.temporal = await connect()
        except Exception as error:  # any connection failure means the same to the caller
            raise ApiError(
                503, "temporal_unavailable", "the workflow service is not reachable"
            ) from error
    return client


Temporal = Annotated[Client, Depends(temporal_client)]
