"""A firm's admin changes its time settings after creation: checked, audited, its own only."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from activities.work import open_work
from api.app import create_app
from domain.db import session_scope
from domain.enums import Role
from domain.models import AuditEntry, Firm, Staff
from domain.settings import get_settings
from domain.tokens import issue_token
from tests.integration.database import database  # noqa: F401
from tests.integration.rows import add_firm
from tests.integration.test_mission_activities import build, session_for
from tests.integration.test_period_activities import active, opening

pytestmark = pytest.mark.usefixtures("database")

SETTINGS = "/v1/firm/settings"


def member_token(role: Role) -> tuple[str, str]:
    """A token of a new firm's member with ``role``, and the firm's id."""
    with session_scope() as session:
        firm = add_firm(session)
        member = Staff(
            firm_id=firm.id, email=f"{role.value}@b.example", first_name="A", last_name="B"
        )
        member.role = role
        session.add(member)
        session.flush()
        return issue_token(session, role, firm_id=firm.id, staff_id=member.id).value, firm.id


def call(method: str, token: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    # No `with`: the app's start-up (the Temporal connection) is not needed here.
    answer = TestClient(create_app()).request(
        method, SETTINGS, json=body, headers={"Authorization": f"Bearer {token}"}
    )
    return answer.status_code, answer.json()


def firm_settings(firm_id: str) -> tuple[str, str, int]:
    with session_scope(write=False) as session:
        firm = session.get(Firm, firm_id)
        assert firm is not None
        return firm.time_zone, firm.openings_at, firm.work_lead_days


def test_an_admin_changes_the_firms_time_settings_and_the_change_is_audited() -> None:
    token, firm_id = member_token(Role.admin)
    status, body = call("GET", token)
    assert status == 200
    assert body == {"time_zone": "Europe/Paris", "openings_at": "00:00", "work_lead_days": 0}

    status, body = call("PATCH", token, {"openings_at": "06:30", "work_lead_days": 5})
    assert status == 200, body
    assert body == {"time_zone": "Europe/Paris", "openings_at": "06:30", "work_lead_days": 5}
    assert firm_settings(firm_id) == ("Europe/Paris", "06:30", 5)

    status, body = call("PATCH", token, {"time_zone": "Indian/Reunion"})
    assert status == 200, body
    assert firm_settings(firm_id) == ("Indian/Reunion", "06:30", 5)

    with session_scope(write=False) as session:
        entries = list(
            session.exec(
                select(AuditEntry).where(
                    AuditEntry.firm_id == firm_id, AuditEntry.target == firm_id
                )
            )
        )
    changed = [entry.details for entry in entries if entry.action == "firm.updated"]
    assert len(changed) == 2, [entry.action for entry in entries]
    assert all(entry.actor != "sceau" and entry.token_id for entry in entries)
    assert any("06:30" in str(details) for details in changed)
    assert any("Indian/Reunion" in str(details) for details in changed)


@pytest.mark.parametrize(
    "body",
    [
        {"time_zone": "Mars/Olympus"},
        {"time_zone": "../../etc/passwd"},
        {"openings_at": "24:00"},
        {"openings_at": "7:00"},
        {"openings_at": "07:60"},
        {"work_lead_days": -1},
        {"work_lead_days": 61},
        {"time_zone": None},
        {"colour": "blue"},
        {},
    ],
)
def test_bad_settings_get_422_and_change_nothing(body: dict[str, Any]) -> None:
    token, firm_id = member_token(Role.admin)
    status, answer = call("PATCH", token, body)
    assert status == 422, answer
    assert firm_settings(firm_id) == ("Europe/Paris", "00:00", 0)


def test_only_the_firms_admin_changes_them() -> None:
    token, firm_id = member_token(Role.staff)
    # Staff see them (the plan's dates follow them) but do not change them.
    assert call("GET", token)[0] == 200
    status, _ = call("PATCH", token, {"openings_at": "06:00"})
    assert status == 403
    # The operator creates firms; each firm's own admin sets its day.
    assert call("PATCH", "not-a-token", {"openings_at": "06:00"})[0] == 401
    assert firm_settings(firm_id) == ("Europe/Paris", "00:00", 0)


def test_a_running_mission_follows_a_change_from_its_next_wake_up() -> None:
    """The workflow sleeps until the instants `open_work` answered; the change moves the ones
    the next `open_work` (at that wake-up) answers."""
    with session_for() as session:
        setup = build(session)
    active(setup)
    january = open_work(opening(setup, datetime(2024, 1, 1, tzinfo=UTC)))
    # Paris, midnight: February opens on 31 January at 23:00 UTC.
    assert january.next_opening == datetime(2024, 1, 31, 23, tzinfo=UTC)
    token = admin_of(setup.firm_id)
    status, _ = call("PATCH", token, {"openings_at": "06:00", "work_lead_days": 2})
    assert status == 200
    # The mission still wakes at the instant it was given (old settings); from there on, the
    # new ones: February opened (it now opens on 30 January at 06:00), March opens two days
    # early at 06:00 in Paris, and the year ends at 06:00.
    february = open_work(opening(setup, datetime(2024, 1, 31, 23, tzinfo=UTC)))
    assert (february.tasks, february.information_requests) == (2, 2)
    assert february.next_opening == datetime(2024, 2, 28, 5, tzinfo=UTC)
    assert february.period_ends_at == datetime(2025, 1, 1, 5, tzinfo=UTC)


def admin_of(firm_id: str) -> str:
    with session_scope() as session:
        admin = Staff(firm_id=firm_id, email="admin@b.example", first_name="A", last_name="B")
        admin.role = Role.admin
        session.add(admin)
        session.flush()
        return issue_token(session, Role.admin, firm_id=firm_id, staff_id=admin.id).value


def test_a_new_firms_admin_has_an_e_mail_address_with_a_valid_domain() -> None:
    operator = get_settings().secret("operator_token")
    answer = TestClient(create_app()).post(
        "/v1/firms",
        json={
            "name": "Cabinet Neuf",
            "legal_form": "SAS",
            "siren": "123456789",
            "address": "1 rue Neuve, Paris",
            "vat_number": "FR00123456789",
            "ordre_council": "Paris",
        },
        headers={"Authorization": f"Bearer {operator}"},
    )
    assert answer.status_code == 201, answer.text
    with session_scope(write=False) as session:
        admin = session.get(Staff, answer.json()["admin_id"])
        assert admin is not None
        local, domain = admin.email.split("@")
    assert local == "admin"
    # Letters, digits and inner hyphens only in each label (RFC 1123): no underscore.
    label = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
    assert all(label.match(part) for part in domain.split(".")), domain
    assert domain.endswith(".sceau.local")
