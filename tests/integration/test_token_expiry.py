"""Tokens expire SCEAU_TOKEN_DAYS days after they are issued; older tokens stay valid."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.app import create_app
from domain.db import get_engine, session_scope
from domain.enums import Role
from domain.models import ApiToken, Staff, utcnow
from domain.settings import get_settings
from domain.tokens import hash_token, issue_token
from tests.integration.database import database  # noqa: F401
from tests.integration.rows import add_firm

pytestmark = pytest.mark.usefixtures("database")


def staff_token() -> tuple[str, ApiToken]:
    with session_scope() as session:
        firm = add_firm(session)
        member = Staff(firm_id=firm.id, email="a@b.example", first_name="A", last_name="B")
        session.add(member)
        session.flush()
        issued = issue_token(session, Role.staff, firm_id=firm.id, staff_id=member.id)
    with Session(get_engine()) as session:
        row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(issued.value)))
        return issued.value, row.one()


def set_expiry(token: ApiToken, days_from_now: float | None) -> None:
    with session_scope() as session:
        row = session.get(ApiToken, token.id)
        assert row is not None
        row.expires_at = None if days_from_now is None else utcnow() + timedelta(days_from_now)


def clients(token: str) -> tuple[int, str]:
    # No `with`: the app's start-up (the Temporal connection) is not needed to list clients.
    answer = TestClient(create_app()).get(
        "/v1/clients", headers={"Authorization": f"Bearer {token}"}
    )
    return answer.status_code, answer.text


def test_a_new_token_expires_after_the_configured_days() -> None:
    _, row = staff_token()
    assert row.expires_at is not None
    left = row.expires_at - utcnow()
    assert timedelta(days=89, hours=23) < left <= timedelta(days=90)


def test_an_expired_token_gets_401_saying_so() -> None:
    token, row = staff_token()
    assert clients(token)[0] == 200
    set_expiry(row, -1 / 24)
    status, body = clients(token)
    assert status == 401
    assert "expired" in body


def test_a_token_without_expiry_stays_valid() -> None:
    # As tokens issued before expiry existed were: the migration leaves them without one.
    token, row = staff_token()
    set_expiry(row, None)
    assert clients(token)[0] == 200


def test_zero_days_issues_tokens_valid_until_revoked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCEAU_TOKEN_DAYS", "0")
    get_settings.cache_clear()
    try:
        token, row = staff_token()
    finally:
        monkeypatch.delenv("SCEAU_TOKEN_DAYS")
        get_settings.cache_clear()
    assert row.expires_at is None
    assert clients(token)[0] == 200
