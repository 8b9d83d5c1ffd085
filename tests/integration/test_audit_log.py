"""The audit log on SQLite and PostgreSQL: one entry per change, in the change's transaction."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from domain.audit import Actor, act_as
from domain.db import get_engine, session_scope
from domain.enums import Role
from domain.models import AuditEntry, Client, Staff
from domain.tokens import issue_token, revoke_tokens
from tests.integration.database import database  # noqa: F401
from tests.integration.rows import add_firm

pytestmark = pytest.mark.usefixtures("database")


def make_firm() -> str:
    with session_scope() as session:
        return add_firm(session).id


def entries(firm_id: str) -> list[AuditEntry]:
    with Session(get_engine()) as session:
        return list(
            session.exec(
                select(AuditEntry).where(AuditEntry.firm_id == firm_id).order_by(col(AuditEntry.id))
            )
        )


def test_changes_made_for_a_caller_are_logged_with_its_token() -> None:
    firm_id = make_firm()
    actor = Actor("stf_1", "tok_1", firm_id)
    with session_scope() as session:
        act_as(session, actor)
        client = Client(firm_id=firm_id, name="Dupont & Fils", activity="")
        session.add(client)
        session.flush()
        client.activity = "Menuiserie"
        client.name = client.name  # set to the same value: no change, no entry
    logged = entries(firm_id)
    assert [(e.action, e.target, e.actor, e.token_id) for e in logged] == [
        ("client.created", client.id, "stf_1", "tok_1"),
        ("client.updated", client.id, "stf_1", "tok_1"),
    ]
    assert logged[0].client_id == client.id and logged[0].details["name"] == "Dupont & Fils"
    assert logged[1].details == {"activity": {"from": "", "to": "Menuiserie"}}


def test_a_rolled_back_change_leaves_no_entry() -> None:
    firm_id = make_firm()
    with pytest.raises(RuntimeError), session_scope() as session:
        act_as(session, Actor("stf_1", "tok_1", firm_id))
        session.add(Client(firm_id=firm_id, name="Jamais"))
        session.flush()
        raise RuntimeError("refused after the flush")
    assert entries(firm_id) == []


def test_a_session_acting_for_nobody_logs_nothing() -> None:
    firm_id = make_firm()
    with session_scope() as session:
        session.add(Client(firm_id=firm_id, name="Worker"))
    assert entries(firm_id) == []


def test_token_issue_and_revocation_are_logged_without_the_secret() -> None:
    firm_id = make_firm()
    with session_scope() as session:
        act_as(session, Actor("stf_admin", "tok_admin", firm_id))
        member = Staff(firm_id=firm_id, email="a@b.example", first_name="A", last_name="B")
        session.add(member)
        session.flush()
        token = issue_token(session, Role.staff, firm_id=firm_id, staff_id=member.id)
        session.flush()
        assert revoke_tokens(session, staff_id=member.id) == 1
    logged = entries(firm_id)
    assert [e.action for e in logged] == ["staff.created", "apitoken.created", "apitoken.updated"]
    assert "token_hash" not in logged[1].details
    assert set(logged[2].details) == {"revoked_at"}
    assert all(token.value not in str(e.details) for e in logged)
