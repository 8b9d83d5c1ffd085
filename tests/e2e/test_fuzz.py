"""Schemathesis over every operation of the live API's /openapi.json, with each role's token.

No input may get a 5xx, and every answer must match the schema the API publishes. The run is
bounded for `make test`; SCEAU_FUZZ_EXAMPLES raises the number of cases per operation and role
(`make fuzz`). It fuzzes a firm of its own, so that what it changes touches no other test.

It runs against PostgreSQL (the session's stack) and against a stack of its own on SQLite:
each database refuses different values (SQLite's integers overflow at 64 bits, PostgreSQL's
text cannot hold NUL), and both are supported.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.app import app
from tests.e2e.missions import signed_mission
from tests.e2e.stack import Api, Stack, running_stack, wait_for
from tests.integration.database import fresh_database

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("SCEAU_FUZZ_EXAMPLES", "6"))
# A role refused an operation gets a 403 whatever it sends: a few cases show it.
REFUSED_EXAMPLES = max(2, EXAMPLES // 3)

OPERATIONS = [
    (method.upper(), path)
    for path, operations in app.openapi()["paths"].items()
    for method in operations
]
ROLES = ("staff", "client")
TALLY: Counter[str] = Counter()


@dataclass
class FuzzFirm:
    tokens: dict[str, str]
    # Real ids by path parameter name, so that cases reach past the "not found".
    ids: dict[str, str]


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def fuzz_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """The whole stack on each database: PostgreSQL's is the session's, SQLite's its own."""
    if request.param == "postgresql":
        yield request.getfixturevalue("stack")
        return
    with (
        fresh_database("sqlite") as url,
        running_stack(tmp_path_factory.mktemp("sceau-sqlite"), url) as running,
    ):
        yield running


@pytest.fixture(scope="module")
def fuzz_firm(fuzz_stack: Stack) -> FuzzFirm:
    stack = fuzz_stack
    operator = Api(stack.api, stack.secret("operator_token"))
    firm = operator.post(
        "/v1/firms",
        {
            "name": "Cabinet fuzz",
            "legal_form": "SAS",
            "siren": "111222333",
            "address": "1 rue du Test, 75001 Paris",
            "vat_number": "FR00111222333",
            "ordre_council": "Conseil régional de Paris",
        },
        expect=201,
    )
    admin = Api(stack.api, firm["admin_token"])
    staff = admin.post(
        "/v1/staff",
        {
            "email": "f@fuzz.example",
            "first_name": "F",
            "last_name": "Z",
            "legal_representative": True,
        },
        expect=201,
    )
    service = admin.post(
        "/v1/services",
        {"code": "F", "name": "F", "price": "10.00", "frequency": "monthly"},
        expect=201,
    )
    client = admin.post(
        "/v1/clients",
        {
            "name": "Client fuzz",
            "representatives": [{"first_name": "C", "last_name": "F", "email": "c@fuzz.example"}],
        },
        expect=201,
    )
    portal = admin.post(
        f"/v1/clients/{client['id']}/portal-users", {"email": "c@fuzz.example"}, expect=201
    )
    # Its tokens are the ones fuzzed revocations may end: never the client role's own.
    spare = admin.post(
        f"/v1/clients/{client['id']}/portal-users", {"email": "spare@fuzz.example"}, expect=201
    )
    request = Api(stack.api, portal["token"]).post(
        "/v1/portal/service-requests", {"service_ids": [service["id"]]}, expect=201
    )
    mission = admin.post(
        "/v1/missions",
        {
            "client_id": client["id"],
            "name": "Fuzz",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "frequency": "monthly",
            "lines": [{"service_id": service["id"]}],
        },
        expect=201,
    )
    item_id = signed_information_request(stack, admin, client, staff["id"])
    return FuzzFirm(
        # The admin's token is not fuzzed (a fuzzed revocation could end it): regressions only.
        tokens={"staff": staff["token"], "client": portal["token"], "admin": firm["admin_token"]},
        ids={
            "service_id": service["id"],
            "client_id": client["id"],
            "request_id": request["id"],
            "mission_id": mission["id"],
            "line_id": mission["lines"][0]["id"],
            "staff_id": staff["id"],
            "portal_user_id": spare["id"],
            "item_id": item_id,
            "provider": "yousign",
        },
    )


def signed_information_request(
    stack: Stack, admin: Api, client: dict[str, Any], partner_id: str
) -> str:
    """A signed mission's information request, so that answers and files reach past 404."""
    service = admin.post(
        "/v1/services",
        {
            "code": "F-IR",
            "name": "Pièces",
            "price": "10.00",
            "frequency": "yearly",
            "work": [{"kind": "information_request", "title": "Pièces de l'année"}],
        },
        expect=201,
    )
    mission_id = signed_mission(stack, admin, client, service["id"], partner_id, "Fuzz signée")
    items = wait_for(
        lambda: admin.get("/v1/tasks", params={"mission_id": mission_id}), "the mission's work"
    )
    return str(items[0]["id"])


@pytest.fixture(scope="module")
def live_schema(fuzz_stack: Stack) -> Any:
    return schemathesis.openapi.from_url(f"{fuzz_stack.api}/openapi.json", timeout=30)


@pytest.fixture(scope="module", autouse=True)
def report() -> Iterator[None]:
    yield
    statuses = " ".join(f"{key}: {count}" for key, count in sorted(TALLY.items()) if " " in key)
    summary = (
        f"fuzz: {TALLY['operations']} operation runs, {TALLY['requests']} requests, "
        f"{TALLY['server_errors']} server errors"
    )
    print(f"\n{statuses}\n{summary}")
    # `make fuzz` prints this file last, after pytest's own summary.
    if report_path := os.environ.get("SCEAU_FUZZ_REPORT"):
        Path(report_path).write_text(f"{statuses}\n{summary}\n")


def test_the_live_schema_is_the_apps(live_schema: Any) -> None:
    live = {(op.ok().method.upper(), op.ok().path) for op in live_schema.get_all_operations()}
    assert live == set(OPERATIONS)


def refused(role: str, path: str) -> bool:
    portal = path.startswith("/v1/portal/")
    return (role == "client") != portal and not path.startswith(("/health", "/ready", "/v1/web"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: f"{op[0]} {op[1]}")
def test_no_server_error_and_answers_match_the_schema(
    fuzz_stack: Stack, fuzz_firm: FuzzFirm, live_schema: Any, op: tuple[str, str], role: str
) -> None:
    stack = fuzz_stack
    method, path = op
    operation = live_schema[path][method]
    known = {
        name: value
        for name, value in fuzz_firm.ids.items()
        if name in (param.name for param in operation.path_parameters)
    }
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    cases = st.one_of(
        *(operation.as_strategy(generation_mode=mode) for mode in modes),
        *(operation.as_strategy(path_parameters=known) for _ in [known] if known),
    )
    checks: list[Any] = [schemathesis.checks.not_a_server_error]
    if not path.startswith("/v1/webhooks/"):  # answers before it can read its own payload
        checks.append(response_schema_conformance)
    headers = {"Authorization": f"Bearer {fuzz_firm.tokens[role]}"}
    TALLY["operations"] += 1

    @settings(
        max_examples=REFUSED_EXAMPLES if refused(role, path) else EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def fuzz(case: Any) -> None:
        TALLY["requests"] += 1
        try:
            response = case.call_and_validate(
                base_url=stack.api, headers=headers, checks=checks, timeout=60
            )
        except Exception:
            TALLY["failures"] += 1
            raise
        TALLY[f"status {response.status_code}"] += 1
        if response.status_code >= 500:
            TALLY["server_errors"] += 1

    fuzz()


def fill(template: Any, ids: dict[str, str]) -> Any:
    if isinstance(template, str):
        return template.format(**ids)
    if isinstance(template, dict):
        return {key: fill(value, ids) for key, value in template.items()}
    if isinstance(template, list):
        return [fill(item, ids) for item in template]
    return template


def mission(**changes: Any) -> dict[str, Any]:
    return {
        "client_id": "{client_id}",
        "name": "Grosse mission",
        "period_start": "2027-01-01",
        "period_end": "2027-12-31",
        "frequency": "one_off",
        "lines": [{"service_id": "{service_id}", "price": "9999999999.99"}],
        **changes,
    }


# Inputs that answered 500 before, each now a clear 4xx (or, for a big mission, a success that
# stays readable): (method, path, JSON body, expected status), sent with the staff's token
# unless the path is in ADMIN_REGRESSIONS.
REGRESSIONS: dict[str, tuple[str, str, Any, int]] = {
    # An integer beyond the database's: SQLite's driver raised OverflowError, PostgreSQL's a
    # DataError (the audit id is a 32-bit INTEGER there).
    "huge-audit-cursor": ("GET", f"/v1/audit?after={10**30}", None, 422),
    "audit-cursor-past-int32": ("GET", f"/v1/audit?after={2**31}", None, 422),
    # A CR/LF in a mission's name reached the letter's Content-Disposition header.
    "line-break-in-a-mission-name": ("POST", "/v1/missions", mission(name="A\r\nB"), 422),
    "control-character-in-a-client-name": ("POST", "/v1/clients", {"name": "A\x1b[31m"}, 422),
    # A NUL character in an id reached PostgreSQL, which cannot compare text holding one.
    "nul-in-path-id": ("GET", "/v1/services/a%00b", None, 404),
    "nul-in-content-path-id": ("GET", "/v1/documents/a%00b/content", None, 404),
    "nul-in-query-id": ("GET", "/v1/missions?client_id=a%00b", None, 422),
    "nul-in-query-folder": ("GET", "/v1/clients/{client_id}/documents?folder_id=%00", None, 422),
    "nul-in-query-mission": ("GET", "/v1/tasks?mission_id=%00", None, 422),
    # Totals past the largest price a line may have failed the response's own validation,
    # after the mission was made: the mission and the firm's list of missions answered 500.
    "totals-above-the-largest-price": ("POST", "/v1/missions", mission(), 201),
    "many-lines-at-the-largest-price": (
        "POST",
        "/v1/missions",
        mission(lines=[{"service_id": "{service_id}", "price": "9999999999.99"}] * 500),
        201,
    ),
    "list-with-big-missions": ("GET", "/v1/missions", None, 200),
    # Years at the calendar's ends: work due dates overflowed in the workflow.
    "year-1": ("POST", "/v1/missions", mission(period_start="0001-01-01"), 422),
    "year-9999": (
        "POST",
        "/v1/missions",
        mission(period_start="9999-01-01", period_end="9999-12-31"),
        422,
    ),
}


ADMIN_REGRESSIONS = {"huge-audit-cursor", "audit-cursor-past-int32"}


@pytest.mark.parametrize("name", list(REGRESSIONS))
def test_found_by_fuzzing(fuzz_firm: FuzzFirm, fuzz_stack: Stack, name: str) -> None:
    method, path, body, status = REGRESSIONS[name]
    role = "admin" if name in ADMIN_REGRESSIONS else "staff"
    response = httpx.request(
        method,
        fuzz_stack.api + fill(path, fuzz_firm.ids),
        headers={"Authorization": f"Bearer {fuzz_firm.tokens[role]}"},
        json=fill(body, fuzz_firm.ids),
        timeout=60,
    )
    assert response.status_code == status, response.text
    if status >= 400:
        assert set(response.json()["error"]) == {"code", "message", "details"}


def test_a_template_name_with_nul_is_refused(fuzz_firm: FuzzFirm, fuzz_stack: Stack) -> None:
    response = httpx.post(
        f"{fuzz_stack.api}/v1/letter-templates",
        headers={"Authorization": f"Bearer {fuzz_firm.tokens['staff']}"},
        files={"file": ("t.docx", b"PK")},
        data={"name": "mod\x00le"},
    )
    assert response.status_code == 422, response.text
