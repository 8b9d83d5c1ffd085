"""Idempotency keys on SQLite and PostgreSQL: one claim per key, even when two requests race."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from domain import idempotency
from domain.db import get_engine
from domain.idempotency import KeyRejected, claim
from domain.models import IdempotencyKey
from tests.integration.database import database  # noqa: F401

pytestmark = pytest.mark.usefixtures("database")

BODY = {"name": "Mission 2027", "lines": [{"service_id": "svc_1"}]}


def claim_in_new_session(resource_id: str, body: dict[str, Any] = BODY) -> idempotency.Claim:
    with Session(get_engine()) as session:
        return claim(
            session,
            owner="firm_1:stf_1",
            operation="missions.create",
            key="key-1",
            body=body,
            resource_id=resource_id,
        )


def keys_stored() -> list[IdempotencyKey]:
    with Session(get_engine()) as session:
        return list(session.exec(select(IdempotencyKey)))


def test_the_second_claim_gets_the_first_resource() -> None:
    assert claim_in_new_session("mis_first") == idempotency.Claim("mis_first", replay=False)
    assert claim_in_new_session("mis_second") == idempotency.Claim("mis_first", replay=True)
    assert [key.resource_id for key in keys_stored()] == ["mis_first"]


def test_a_request_that_lost_the_race_reads_the_winners_claim(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    claim_in_new_session("mis_winner")
    # The loser looked before the winner committed: it saw no key and inserts its own.
    looked: list[bool] = []
    earlier = idempotency._earlier

    def not_yet_the_first_time(*args: Any) -> IdempotencyKey | None:
        looked.append(True)
        return None if len(looked) == 1 else earlier(*args)

    monkeypatch.setattr(idempotency, "_earlier", not_yet_the_first_time)
    assert claim_in_new_session("mis_loser") == idempotency.Claim("mis_winner", replay=True)
    assert len(looked) == 2
    assert [key.resource_id for key in keys_stored()] == ["mis_winner"]


def test_the_same_key_with_another_body_is_refused() -> None:
    claim_in_new_session("mis_first")
    with Session(get_engine()) as session, pytest.raises(KeyRejected):
        claim(
            session,
            owner="firm_1:stf_1",
            operation="missions.create",
            key="key-1",
            body={**BODY, "name": "Another mission"},
            resource_id="mis_other",
        )
    assert [key.resource_id for key in keys_stored()] == ["mis_first"]


def test_the_same_key_belongs_to_each_owner_and_operation() -> None:
    claim_in_new_session("mis_first")
    with Session(get_engine()) as session:
        other_owner = claim(
            session,
            owner="firm_2:stf_9",
            operation="missions.create",
            key="key-1",
            body=BODY,
            resource_id="mis_theirs",
        )
    assert other_owner == idempotency.Claim("mis_theirs", replay=False)
