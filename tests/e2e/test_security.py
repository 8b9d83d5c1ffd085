"""Attacks through the live API: hostile templates, hostile client files, revoked tokens.

Each attack gets a clear 4xx in the uniform error body and changes nothing; every change the
firm or its client makes is in the audit log; no token ever reaches a log file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from domain.letter_templates import DEFAULT_TEMPLATE_PATH
from tests.documents import linked_image_document, with_parts, word_document
from tests.e2e.missions import signed_mission
from tests.e2e.stack import Api, Stack, wait_for

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
# Every token this module mints; none may appear in a log.
MINTED: list[str] = []


def refused(response: httpx.Response, status: int, words: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert words.lower() in error["message"].lower(), error["message"]
    return error


# --- letter templates ----------------------------------------------------------------------


def include_field_document() -> bytes:
    """A template whose field would make the converter read the server's secrets."""
    body = (
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b'<w:body><w:p><w:fldSimple w:instr=" INCLUDETEXT &quot;/srv/var/secrets/operator&quot; "/>'
        b"</w:p></w:body></w:document>"
    )
    return with_parts(word_document("x"), {"word/document.xml": body})


TEMPLATE_ATTACKS: dict[str, tuple[str, Callable[[], bytes], int, str]] = {
    "macro-enabled name": ("lettre.docm", lambda: DEFAULT_TEMPLATE_PATH.read_bytes(), 422, "macro"),
    "not a docx name": ("lettre.pdf", lambda: DEFAULT_TEMPLATE_PATH.read_bytes(), 422, ".docx"),
    "vba project part": (
        "lettre.docx",
        lambda: with_parts(word_document("{{ client.name }}"), {"word/vbaProject.bin": b"VBA"}),
        422,
        "macros",
    ),
    "zip bomb, many entries": (
        "lettre.docx",
        lambda: with_parts(
            word_document("x"), {f"word/media/p{i}.xml": b"<a/>" for i in range(600)}
        ),
        422,
        "parts",
    ),
    "zip bomb, huge inflated size": (
        "lettre.docx",
        lambda: with_parts(word_document("x"), {"word/media/zeros.xml": bytes(80 * MIB)}),
        422,
        "inflate",
    ),
    "entity expansion": (
        "lettre.docx",
        lambda: with_parts(
            word_document("x"),
            {
                "word/document.xml": b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]>'
                b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
                b'main"><w:body><w:p><w:r><w:t>&a;</w:t></w:r></w:p></w:body></w:document>'
            },
        ),
        422,
        "DTD",
    ),
    "python internals": (
        "lettre.docx",
        lambda: word_document("{{ ''.__class__ }}"),
        422,
        "internal",
    ),
    "internals in a dead branch": (
        "lettre.docx",
        lambda: word_document("{% if false %}{{ client.__init__.__globals__ }}{% endif %}"),
        422,
        "internal",
    ),
    "unsafe method": ("lettre.docx", lambda: word_document("{{ lines.append(1) }}"), 422, "unsafe"),
    "memory exhaustion": (
        "lettre.docx",
        lambda: word_document("{{ 'x' * 10**9 }}"),
        422,
        "too long",
    ),
    "unknown variable": (
        "lettre.docx",
        lambda: word_document("{{ bank_account }}"),
        422,
        "not provide",
    ),
    "unknown attribute": (
        "lettre.docx",
        lambda: word_document("{{ client.iban }}"),
        422,
        "not provide",
    ),
    "not a zip": ("lettre.docx", lambda: b"MZ\x90\x00 not a document", 422, "zip"),
    "linked image": (
        "lettre.docx",
        lambda: linked_image_document("http://127.0.0.1:9/logo.png", "{{ client.name }}"),
        422,
        "word/document.xml: a linked image",
    ),
    "field including a file": (
        "lettre.docx",
        include_field_document,
        422,
        "INCLUDETEXT field",
    ),
    "looping template": (
        "lettre.docx",
        lambda: word_document(
            "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}"
        ),
        422,
        "budget",
    ),
    "growing template": (
        "lettre.docx",
        lambda: word_document(
            "{% set ns = namespace(s='x') %}{% for i in range(64) %}"
            "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}"
        ),
        422,
        "too long",
    ),
    "too large": (
        "lettre.docx",
        lambda: DEFAULT_TEMPLATE_PATH.read_bytes() + bytes(5 * MIB),
        413,
        "at most 5 MiB",
    ),
}


@pytest.mark.parametrize("attack", list(TEMPLATE_ATTACKS))
def test_a_hostile_template_is_refused_and_nothing_kept(staff: Api, attack: str) -> None:
    filename, make, status, words = TEMPLATE_ATTACKS[attack]
    before = staff.get("/v1/letter-templates")
    response = staff.http.post(
        "/v1/letter-templates", files={"file": (filename, make())}, data={"name": attack}
    )
    error = refused(response, status, words)
    if attack == "unknown variable":
        assert error["details"]["unknown"] == ["bank_account"]
    assert staff.get("/v1/letter-templates") == before


def test_a_good_template_answers_with_its_variables(staff: Api) -> None:
    response = staff.http.post(
        "/v1/letter-templates",
        files={"file": ("bref.docx", word_document("{{ client.name }}, {{ totals.incl_vat }}"))},
        data={"name": "Lettre brève"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["variables"] == ["client", "totals"]


# --- client files --------------------------------------------------------------------------


@dataclass
class Requested:
    """A client of the demo firm with a signed mission, so an information request to answer."""

    client_id: str
    portal: Api
    portal_user_id: str
    item_id: str
    mission_id: str


@pytest.fixture(scope="module")
def requested(stack: Stack, staff: Api) -> Requested:
    demo = stack.demo
    client = staff.post(
        "/v1/clients",
        {
            "name": "Client sécurité",
            "representatives": [
                {"first_name": "Sam", "last_name": "Sec", "email": "sam@secu.example"}
            ],
        },
        expect=201,
    )
    portal = staff.post(
        f"/v1/clients/{client['id']}/portal-users", {"email": "sam@secu.example"}, expect=201
    )
    MINTED.append(portal["token"])
    mission_id = signed_mission(
        stack, staff, client, demo["service_ids"]["BILAN"], demo["staff_id"], "Mission sécurité"
    )
    api = Api(stack.api, portal["token"])
    items = wait_for(lambda: api.get("/v1/portal/information-requests"), "an information request")
    return Requested(client["id"], api, portal["id"], items[0]["id"], mission_id)


def office_bomb() -> bytes:
    """A .docx whose zip directory says one part inflates to 3 GiB: what a bomb declares."""
    package = bytearray(with_parts(word_document("x"), {"word/media/zeros.xml": bytes(MIB)}))
    entry = package.rindex(b"PK\x01\x02")  # the last central directory record: zeros.xml
    package[entry + 24 : entry + 28] = (3 * 1024 * MIB).to_bytes(4, "little")
    return bytes(package)


UPLOAD_ATTACKS: dict[str, tuple[str, Callable[[], bytes], int, str]] = {
    "executable": ("releve.pdf", lambda: b"MZ\x90\x00\x03" + bytes(100), 422, "not accepted"),
    "html page": ("releve.html", lambda: b"<script>alert(1)</script>", 422, "ends in .html"),
    "svg image": ("logo.svg", lambda: b'<svg onload="alert(1)"/>', 422, "ends in .svg"),
    "pdf named exe": ("releve.exe", lambda: PDF, 422, "ends in .exe"),
    "macro document": (
        "releve.docx",
        lambda: with_parts(word_document("x"), {"word/vbaProject.bin": b"VBA"}),
        422,
        "macros",
    ),
    "zip bomb": ("releve.docx", office_bomb, 422, "inflate"),
    "plain zip": (
        "releve.zip",
        lambda: with_parts(word_document("x"), {"[Content_Types].xml": b"<Types/>"}),
        422,
        "only as a Word",
    ),
    "empty": ("vide.pdf", lambda: b"", 422, "empty"),
    "too large": ("gros.pdf", lambda: PDF + bytes(20 * MIB), 413, "at most 20 MiB"),
}


def client_documents(staff: Api, requested: Requested) -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = staff.get(f"/v1/clients/{requested.client_id}/documents")
    return documents


@pytest.mark.parametrize("attack", list(UPLOAD_ATTACKS))
def test_a_hostile_client_file_is_refused_and_nothing_filed(
    staff: Api, requested: Requested, attack: str
) -> None:
    filename, make, status, words = UPLOAD_ATTACKS[attack]
    before = client_documents(staff, requested)
    response = requested.portal.http.post(
        f"/v1/portal/information-requests/{requested.item_id}/files",
        files={"file": (filename, make())},
    )
    refused(response, status, words)
    assert client_documents(staff, requested) == before


def test_a_body_past_every_cap_is_refused_before_it_is_read(requested: Requested) -> None:
    response = requested.portal.http.post(
        f"/v1/portal/information-requests/{requested.item_id}/files",
        content=b"x" * (21 * MIB),
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    refused(response, 413, "at most")


def test_a_client_file_is_filed_by_content_for_the_firm(
    stack: Stack, staff: Api, requested: Requested
) -> None:
    data = PDF + b"% releve de janvier\n"
    path = f"/v1/portal/information-requests/{requested.item_id}/files"
    sent = requested.portal.post(
        path, expect=201, files={"file": ("../../../etc/Relevé: janvier", data)}
    )
    assert sent["name"] == "Relevé_ janvier.pdf"
    assert sent["kind"] == "upload" and sent["content_type"] == "application/pdf"
    assert sent["work_item_id"] == requested.item_id
    assert sent["mission_id"] == requested.mission_id
    sha = hashlib.sha256(data).hexdigest()
    assert sent["sha256"] == sha
    assert (stack.data_dir / "ged" / sha[:2] / sha).read_bytes() == data

    # The firm sees it in the client's shared folder, and gets the same bytes, as a download.
    seen = [doc for doc in client_documents(staff, requested) if doc["id"] == sent["id"]]
    assert len(seen) == 1
    folders = {f["id"]: f for f in staff.get(f"/v1/clients/{requested.client_id}/folders")}
    assert folders[seen[0]["folder_id"]]["name"] == "Documents du client"
    download = staff.http.get(f"/v1/documents/{sent['id']}/content")
    assert download.content == data
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert sent["id"] in {doc["id"] for doc in requested.portal.get("/v1/portal/documents")}

    # The same bytes again: the same document, nothing new filed.
    count = len(client_documents(staff, requested))
    again = requested.portal.post(path, expect=201, files={"file": ("autre.pdf", data)})
    assert again["id"] == sent["id"]
    assert len(client_documents(staff, requested)) == count

    # A spreadsheet export in Windows-1252 is accepted as CSV.
    csv = requested.portal.post(
        path, expect=201, files={"file": ("banque.csv", "date;libellé\n".encode("cp1252"))}
    )
    assert csv["content_type"] == "text/csv"


# --- tokens ----------------------------------------------------------------------------------


def test_a_revoked_staff_token_gets_401_and_a_new_one_works(stack: Stack) -> None:
    admin = Api(stack.api, stack.demo["admin_token"])
    member = admin.post(
        "/v1/staff",
        {"email": "partant@cabinet.example", "first_name": "Paul", "last_name": "Part"},
        expect=201,
    )
    MINTED.append(member["token"])
    old = Api(stack.api, member["token"])
    assert isinstance(old.get("/v1/clients"), list)

    revoked = admin.call("DELETE", f"/v1/staff/{member['id']}/tokens")
    assert revoked == {"revoked": 1}
    refused(old.http.get("/v1/clients"), 401, "revoked")
    # Revoking again finds nothing live.
    assert admin.call("DELETE", f"/v1/staff/{member['id']}/tokens") == {"revoked": 0}

    fresh = admin.post(f"/v1/staff/{member['id']}/tokens", expect=201)
    MINTED.append(fresh["token"])
    assert fresh["token"] != member["token"] and len(fresh["token"]) >= 43  # 256 bits
    # Valid for SCEAU_TOKEN_DAYS (90 by default), and the answer says until when.
    lifetime = datetime.fromisoformat(fresh["token_expires_at"]) - datetime.now(UTC)
    assert timedelta(days=89) < lifetime <= timedelta(days=90)
    assert isinstance(Api(stack.api, fresh["token"]).get("/v1/clients"), list)
    refused(old.http.get("/v1/clients"), 401, "revoked")


def test_staff_cannot_revoke_and_an_admin_cannot_lock_itself_out(stack: Stack) -> None:
    staff = Api(stack.api, stack.demo["staff_token"])
    refused(staff.http.delete(f"/v1/staff/{stack.demo['staff_id']}/tokens"), 403, "admin")
    admin = Api(stack.api, stack.demo["admin_token"])
    refused(admin.http.delete(f"/v1/staff/{stack.demo['admin_id']}/tokens"), 409, "own")
    assert isinstance(admin.get("/v1/clients"), list)


def test_a_revoked_portal_token_gets_401(stack: Stack, staff: Api) -> None:
    client = staff.post("/v1/clients", {"name": "Client révoqué"}, expect=201)
    user = staff.post(
        f"/v1/clients/{client['id']}/portal-users", {"email": "ex@revoque.example"}, expect=201
    )
    MINTED.append(user["token"])
    portal = Api(stack.api, user["token"])
    assert portal.get("/v1/portal/documents") == []
    path = f"/v1/clients/{client['id']}/portal-users/{user['id']}/tokens"
    assert staff.call("DELETE", path) == {"revoked": 1}
    refused(portal.http.get("/v1/portal/documents"), 401, "revoked")
    fresh = staff.post(path, expect=201)
    MINTED.append(fresh["token"])
    assert Api(stack.api, fresh["token"]).get("/v1/portal/documents") == []


# --- the audit log ---------------------------------------------------------------------------


def actions(entries: list[dict[str, Any]]) -> list[str]:
    return [entry["action"] for entry in entries]


def test_every_change_is_in_the_audit_log(stack: Stack, staff: Api, requested: Requested) -> None:
    client_path = f"/v1/clients/{requested.client_id}"
    staff.patch(client_path, {"activity": "Menuiserie"})
    trail = staff.get(f"{client_path}/audit")
    update = [e for e in trail if e["action"] == "client.updated"][-1]
    assert update["actor"] == stack.demo["staff_id"]
    assert update["token_id"] and update["token_id"].startswith("tok_")
    assert update["details"] == {"activity": {"from": "", "to": "Menuiserie"}}
    assert {"client.created", "folder.created", "portaluser.created"} <= set(actions(trail))
    # A portal user's token is logged as created, its secret never.
    token_entry = next(e for e in trail if e["action"] == "apitoken.created")
    assert "token_hash" not in token_entry["details"]

    mission = staff.get(f"/v1/missions/{requested.mission_id}/audit")
    done = actions(mission)
    for action in ("mission.created", "mission.letter_generated", "mission.signature_requested"):
        assert action in done
    statuses = [e["details"]["status"] for e in mission if e["action"] == "mission.status"]
    assert statuses[:3] == ["draft", "letter_generated", "awaiting_signature"]
    created = next(e for e in mission if e["action"] == "mission.created")
    assert created["actor"] == stack.demo["staff_id"] and created["token_id"]

    # The client's answer is logged as the portal user's.
    requested.portal.post(
        f"/v1/portal/information-requests/{requested.item_id}/answer", {"answer": "Envoyé"}
    )
    answered = [
        e
        for e in staff.get(f"/v1/missions/{requested.mission_id}/audit")
        if e["action"] == "workitem.updated"
    ]
    assert answered[-1]["actor"] == requested.portal_user_id
    assert answered[-1]["details"]["status"] == {"from": "open", "to": "answered"}


def test_a_refused_change_leaves_no_audit_entry(staff: Api, requested: Requested) -> None:
    path = f"/v1/clients/{requested.client_id}"
    before = staff.get(f"{path}/audit"), staff.get(path)
    # legal_form is set before address is found null: the whole change is rolled back.
    response = staff.http.patch(path, json={"legal_form": "SA", "address": None})
    assert response.status_code == 422, response.text
    assert (staff.get(f"{path}/audit"), staff.get(path)) == before


# --- secrets ---------------------------------------------------------------------------------


def test_no_token_reaches_a_log(stack: Stack) -> None:
    assert MINTED, "the tests above minted tokens"
    logs = [path for path in stack.data_dir.rglob("*") if path.suffix in (".log", ".out")]
    assert logs
    for path in logs:
        text = path.read_text(errors="replace")
        for token in MINTED:
            assert token not in text, f"a token is in {path.name}"
