"""Browser sessions and one-time links in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from domain.db import session_scope
from domain.models import Client, Firm, PortalUser, Staff, StaffPassword, WebSession, utcnow
from domain.passwords import password_matches, set_password
from domain.sign_in_links import CLIENT_SIGN_IN, STAFF_INVITATION, issue_link, spend_link
from tests.integration.database import database  # noqa: F401
from web.sessions import end_all_sessions, end_session, find_visitor, open_session

pytestmark = pytest.mark.usefixtures("database")


def people(session: Session) -> tuple[Firm, Staff, PortalUser]:
    firm = Firm(
        name="Cabinet", legal_form="SAS", siren="1", address="a", vat_number="v", ordre_council="o"
    )
    session.add(firm)
    session.flush()
    staff = Staff(firm_id=firm.id, email="a@cabinet.example", first_name="Anne", last_name="B")
    client = Client(firm_id=firm.id, name='<b>Dupont</b> & "Fils"')
    session.add_all([staff, client])
    session.flush()
    person = PortalUser(firm_id=firm.id, client_id=client.id, email="c@client.example")
    session.add(person)
    session.flush()
    return firm, staff, person


def test_a_session_lives_until_it_is_ended_or_expires() -> None:
    with session_scope() as session:
        firm, staff, person = people(session)
        staff_cookie = open_session(session, firm_id=firm.id, staff_id=staff.id, hours=1)
        client_cookie = open_session(session, firm_id=firm.id, portal_user_id=person.id, hours=1)
        other_tab = open_session(session, firm_id=firm.id, staff_id=staff.id, hours=1)

    with session_scope(write=False) as session:
        seen = find_visitor(session, staff_cookie)
        assert seen is not None and seen.kind == "staff" and seen.caller.staff_id == staff.id
        client = find_visitor(session, client_cookie)
        assert client is not None and client.display_name == '<b>Dupont</b> & "Fils"'
        assert client.caller.client_id == person.client_id
        assert find_visitor(session, "not-a-cookie") is None
        # The table holds no cookie in clear.
        assert session.get(WebSession, seen.session_id).token_hash != staff_cookie  # type: ignore[union-attr]

    with session_scope() as session:
        end_session(session, seen.session_id)
    with session_scope(write=False) as session:
        assert find_visitor(session, staff_cookie) is None
        assert find_visitor(session, other_tab) is not None

    with session_scope() as session:
        assert end_all_sessions(session, staff_id=staff.id) == 1
        row = session.get(WebSession, client.session_id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
    with session_scope(write=False) as session:
        assert find_visitor(session, other_tab) is None
        assert find_visitor(session, client_cookie) is None


def test_a_link_is_spent_once_and_not_after_it_expires() -> None:
    with session_scope() as session:
        firm, staff, person = people(session)
        token, _ = issue_link(
            session,
            CLIENT_SIGN_IN,
            firm_id=firm.id,
            portal_user_id=person.id,
            lifetime=timedelta(minutes=15),
        )
        stale, stale_link = issue_link(
            session,
            STAFF_INVITATION,
            firm_id=firm.id,
            staff_id=staff.id,
            lifetime=timedelta(minutes=15),
        )
        stale_link.expires_at = utcnow() - timedelta(seconds=1)
    with session_scope() as session:
        assert spend_link(session, token, STAFF_INVITATION) is None  # not for that purpose
        spent = spend_link(session, token, CLIENT_SIGN_IN)
        assert spent is not None and spent.portal_user_id == person.id
    with session_scope() as session:
        assert spend_link(session, token, CLIENT_SIGN_IN) is None
        assert spend_link(session, stale, STAFF_INVITATION) is None


def test_a_password_is_kept_as_an_argon2id_hash() -> None:
    with session_scope() as session:
        _, staff, _ = people(session)
        set_password(session, staff.id, "correct horse battery")
        stored = session.get(StaffPassword, staff.id)
        assert stored is not None
        assert stored.password_hash.startswith("$argon2id$")
        assert password_matches(stored.password_hash, "correct horse battery")
        assert not password_matches(stored.password_hash, "Correct horse battery")
        assert not password_matches(None, "correct horse battery")
