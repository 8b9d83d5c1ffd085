"""Hostile input answers a clear 4xx, never a 500 (issue 14, point 5), on each database.

A huge integer in a query parameter overflowed SQLite's INTEGER; a CR/LF in a mission's name
reached the letter's Content-Disposition header and made its download fail.
"""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from domain.db import session_scope
from domain.enums import DocumentKind, Role
from domain.ged import blob_store
from domain.models import Client, Document, Staff
from domain.tokens import issue_token
from tests.integration.database import database  # noqa: F401
from tests.integration.rows import add_firm

pytestmark = pytest.mark.usefixtures("database")


def firm_admin() -> TestClient:
    with session_scope() as session:
        firm = add_firm(session)
        member = Staff(
            firm_id=firm.id, email="a@b.example", first_name="A", last_name="B", role=Role.admin
        )
        session.add(member)
        session.flush()
        token = issue_token(session, Role.admin, firm_id=firm.id, staff_id=member.id).value
    # No `with`: the app's start-up (the Temporal connection) is not needed here; a refused
    # body is answered before any workflow is reached.
    app = create_app()
    app.state.temporal = object()
    api = TestClient(app, raise_server_exceptions=False)
    api.headers["Authorization"] = f"Bearer {token}"
    return api


def new_client(api: TestClient) -> dict[str, Any]:
    answer = api.post("/v1/clients", json={"name": "Client"})
    assert answer.status_code == 201, answer.text
    client: dict[str, Any] = answer.json()
    return client


@pytest.mark.parametrize("after", [2**31, 2**63, 10**30, -1])
def test_an_out_of_range_audit_cursor_is_a_422(after: int) -> None:
    answer = firm_admin().get("/v1/audit", params={"after": after})
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "invalid_request"


def test_the_largest_audit_cursor_is_an_empty_page() -> None:
    answer = firm_admin().get("/v1/audit", params={"after": 2**31 - 1})
    assert answer.status_code == 200, answer.text
    assert answer.json() == []


@pytest.mark.parametrize(
    "name",
    ["Dupont\r\nSet-Cookie: x=1", 'Lettre "finale"\n', "Tab\there", "Bidi \u202etxt.exe", "\x85"],
)
def test_a_document_with_control_characters_in_its_name_downloads(name: str) -> None:
    """Names stored before input was checked (or made by Sceau from them) still download."""
    api = firm_admin()
    client = new_client(api)
    folder = api.get(f"/v1/clients/{client['id']}/folders").json()[0]
    content = b"%PDF-1.4\n%%EOF\n"
    sha256 = blob_store().put(content)
    with session_scope() as session:
        row = session.get(Client, client["id"])
        assert row is not None
        document = Document(
            key=f"test:{name}",
            firm_id=row.firm_id,
            client_id=client["id"],
            folder_id=folder["id"],
            kind=DocumentKind.letter,
            name=f"Lettre de mission - {name} - v1.pdf",
            sha256=sha256,
            size=len(content),
            content_type="application/pdf",
        )
        session.add(document)
        session.flush()
        document_id = document.id
    answer = api.get(f"/v1/documents/{document_id}/content")
    assert answer.status_code == 200, answer.text
    assert answer.content == content
    header = answer.headers["content-disposition"]
    assert all(" " <= c <= "~" for c in header), header
    disposition, fallback, encoded = (part.strip() for part in header.split(";"))
    assert disposition == "inline"
    assert fallback.startswith('filename="Lettre de mission - ') and fallback.endswith(' v1.pdf"')
    assert encoded.startswith("filename*=UTF-8''")
    sent = unquote(encoded.removeprefix("filename*=UTF-8''"), errors="strict")
    assert sent.startswith("Lettre de mission - ") and sent.endswith(" - v1.pdf")
    assert not any(unicodedata.category(c) == "Cc" or c == "\u202e" for c in sent), sent


CONTROL_NAMES = ["Dupont\r\nFils", "Dupont\nFils", "Dupont\x07", "Dupont\x1b[31m", "Dupont\x9b"]


@pytest.mark.parametrize("name", CONTROL_NAMES)
def test_control_characters_in_names_are_refused(name: str) -> None:
    api = firm_admin()
    client = new_client(api)
    bodies: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/v1/clients", {"name": name}),
        ("PATCH", f"/v1/clients/{client['id']}", {"name": name}),
        ("PATCH", f"/v1/clients/{client['id']}", {"activity": name}),
        ("POST", f"/v1/clients/{client['id']}/folders", {"name": name}),
        (
            "POST",
            "/v1/services",
            {"code": "X", "name": name, "price": "1.00", "frequency": "monthly"},
        ),
        (
            "POST",
            "/v1/services",
            {"code": name, "name": "X", "price": "1.00", "frequency": "monthly"},
        ),
        (
            "POST",
            "/v1/missions",
            {
                "client_id": client["id"],
                "name": name,
                "period_start": "2027-01-01",
                "period_end": "2027-12-31",
                "frequency": "monthly",
                "lines": [{"service_id": "svc_x"}],
            },
        ),
        (
            "POST",
            "/v1/staff",
            {"email": "s@b.example", "first_name": name, "last_name": "B"},
        ),
    ]
    for method, path, body in bodies:
        answer = api.request(method, path, json=body)
        assert answer.status_code == 422, f"{method} {path} {body}: {answer.text}"
        assert "control characters" in answer.json()["error"]["message"], answer.text
    upload = api.post(
        "/v1/letter-templates", files={"file": ("t.docx", b"PK")}, data={"name": name}
    )
    assert upload.status_code == 422, upload.text


def test_line_breaks_stay_allowed_in_text_of_several_lines() -> None:
    api = firm_admin()
    client = new_client(api)
    answer = api.patch(
        f"/v1/clients/{client['id']}", json={"address": "3 place des Terreaux\r\n69001 Lyon"}
    )
    assert answer.status_code == 200, answer.text
    answer = api.post(
        "/v1/services",
        json={
            "code": "D",
            "name": "Tenue",
            "description": "Ligne 1\nLigne 2\tfin",
            "price": "1.00",
            "frequency": "monthly",
        },
    )
    assert answer.status_code == 201, answer.text
