"""The Idempotency-Key header of the create endpoints."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Header, Response
from pydantic import BaseModel
from sqlmodel import Session

from api.deps import Caller
from api.errors import invalid
from domain.idempotency import Claim, KeyRejected, claim, earlier

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Send the same key again after a network error: the first result is "
        "returned instead of a second one being created.",
    ),
]


def _owner(who: Caller) -> str:
    return f"{who.firm}:{who.name}"


@contextmanager
def _rejected_as_422() -> Iterator[None]:
    try:
        yield
    except KeyRejected as error:
        raise invalid(str(error), {"header": "Idempotency-Key"}) from None


def replayed(
    session: Session, who: Caller, operation: str, key: str | None, body: BaseModel
) -> Claim | None:
    """What an earlier request with this key created, checked before the new one is."""
    if key is None:
        return None
    with _rejected_as_422():
        return earlier(
            session,
            owner=_owner(who),
            operation=operation,
            key=key,
            body=body.model_dump(mode="json"),
        )


def once(
    session: Session,
    who: Caller,
    operation: str,
    key: str | None,
    body: BaseModel,
    resource_id: str,
    write: Callable[[str], None] = lambda _resource_id: None,
) -> Claim:
    """Commit the rows ``write`` adds for ``resource_id``, once per key when one is given."""
    if key is None:
        write(resource_id)
        session.commit()
        return Claim(resource_id, replay=False)
    with _rejected_as_422():
        return claim(
            session,
            owner=_owner(who),
            operation=operation,
            key=key,
            body=body.model_dump(mode="json"),
            resource_id=resource_id,
            write=write,
        )


def mark_replayed(response: Response) -> None:
    """Tell the caller that what it gets back was made by an earlier request."""
    response.headers["Idempotent-Replayed"] = "true"
