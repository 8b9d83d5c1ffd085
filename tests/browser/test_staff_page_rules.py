"""The staff pages' rules over plain HTTP: another firm's objects answer 404 and change
nothing, a form without its CSRF token is refused, bad input gets a French 4xx page, never a
5xx, and a client's name is shown as text on every page."""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass

import httpx
import pytest

from tests.browser.pages import form_token, staff_signed_in
from tests.e2e.stack import Api, Stack

HOSTILE = '<script>alert(1)</script> & "Fils"'
HOSTILE_SHOWN = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Fils&#34;"


@dataclass(frozen=True)
class Firm:
    """A firm's client with a portal request, a mission and its filed letter."""

    api: Api
    client_id: str
    request_id: str
    mission_id: str
    line_id: str
    document_id: str
    folders: dict[str, str]  # name → id


def a_client_with_a_letter(stack: Stack, staff: Api, signer_id: str, client_name: str) -> Firm:
    rep = {"first_name": "Jeanne", "last_name": "Roy", "email": "jeanne@roy.example"}
    client = staff.post("/v1/clients", {"name": client_name, "representatives": [rep]}, 201)
    portal = staff.post(
        f"/v1/clients/{client['id']}/portal-users",
        {"email": f"p-{secrets.token_hex(3)}@roy.example"},
        201,
    )
    services = staff.get("/v1/services")
    request = Api(stack.api, portal["token"]).post(
        "/v1/portal/service-requests", {"service_ids": [services[0]["id"]]}, 201
    )
    mission = staff.post(
        "/v1/missions",
        {
            "client_id": client["id"],
            "name": "Mission",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "frequency": "monthly",
            "lines": [{"service_id": services[0]["id"]}],
        },
        201,
    )
    folders = {f["name"]: f["id"] for f in staff.get(f"/v1/clients/{client['id']}/folders")}
    representative = staff.get(f"/v1/clients/{client['id']}")["representatives"][0]["id"]
    letter = staff.post(
        f"/v1/missions/{mission['id']}/letter",
        {
            "folder_id": folders["Lettres de mission (cabinet)"],
            "firm_representative_id": signer_id,
            "client_representative_id": representative,
        },
        201,
    )
    return Firm(
        staff,
        client["id"],
        request["id"],
        mission["id"],
        mission["lines"][0]["id"],
        letter["document_id"],
        folders,
    )


@pytest.fixture(scope="module")
def firms(stack: Stack) -> tuple[Firm, Firm]:
    """The demo firm's own client, and another firm's, each with a mission and a letter."""
    ours = Api(stack.api, stack.demo["staff_token"])
    operator = Api(stack.api, stack.secret("operator_token"))
    created = operator.post(
        "/v1/firms",
        {
            "name": "Autre Cabinet",
            "legal_form": "SAS",
            "siren": "111222333",
            "address": "1 rue Ailleurs, Lille",
            "vat_number": "FR00111222333",
            "ordre_council": "Hauts-de-France",
        },
        201,
    )
    admin = Api(stack.api, created["admin_token"])
    signer = admin.post(
        "/v1/staff",
        {
            "email": "associe@autre.example",
            "first_name": "Marc",
            "last_name": "Autre",
            "legal_representative": True,
        },
        201,
    )
    admin.post(
        "/v1/services",
        {"code": "X", "name": "Mission X", "price": "10", "frequency": "yearly"},
        201,
    )
    theirs_staff = Api(stack.api, signer["token"])
    return (
        a_client_with_a_letter(stack, ours, stack.demo["staff_id"], HOSTILE),
        a_client_with_a_letter(stack, theirs_staff, signer["id"], "Client d'un autre cabinet"),
    )


@pytest.fixture
def http(stack: Stack) -> httpx.Client:
    return staff_signed_in(stack.api, stack.demo["staff_email"], stack.demo["staff_password"])


def test_another_firms_pages_answer_404_and_its_forms_change_nothing(
    http: httpx.Client, firms: tuple[Firm, Firm]
) -> None:
    ours, theirs = firms

    def pages(firm: Firm) -> list[str]:
        return [
            f"/app/clients/{firm.client_id}",
            f"/app/clients/{firm.client_id}/documents",
            f"/app/clients/{firm.client_id}/tasks",
            f"/app/clients/{firm.client_id}/history",
            f"/app/clients/{firm.client_id}/missions/new",
            f"/app/requests/{firm.request_id}",
            f"/app/missions/{firm.mission_id}",
            f"/app/missions/{firm.mission_id}/live",
            f"/app/documents/{firm.document_id}",
        ]

    # The firm's own pages open...
    for path in pages(ours):
        assert http.get(path).status_code == 200, path
    # ...another firm's answer exactly as a page that does not exist.
    for path in pages(theirs):
        answer = http.get(path)
        assert answer.status_code == 404, path
        assert "Page introuvable" in answer.text
        assert "Client d&#39;un autre cabinet" not in answer.text

    token = form_token(http, "/app/")
    shared = theirs.folders["Lettres de mission"]
    services = theirs.api.get("/v1/services")
    mission = theirs.api.get(f"/v1/missions/{theirs.mission_id}")
    people = {"firm_representative_id": "x", "client_representative_id": "y"}
    for path, data in (
        (f"/app/documents/{theirs.document_id}/move", {"folder_id": shared}),
        (f"/app/missions/{theirs.mission_id}/cancel", {"reason": "pas à nous"}),
        (f"/app/missions/{theirs.mission_id}/lines/{theirs.line_id}/price", {"price": "1"}),
        (f"/app/missions/{theirs.mission_id}/signature", {}),
        (f"/app/requests/{theirs.request_id}", {"service_id": services[0]["id"]}),
        (f"/app/clients/{theirs.client_id}/missions", {"name": "x"}),
        (f"/app/missions/{theirs.mission_id}/preview", people),
        (f"/app/missions/{theirs.mission_id}/letter", {**people, "folder_id": shared}),
    ):
        answer = http.post(path, data={**data, "csrf_token": token})
        assert answer.status_code == 404, (path, answer.status_code)

    document = theirs.api.get(f"/v1/documents/{theirs.document_id}")
    assert document["folder_id"] == theirs.folders["Lettres de mission (cabinet)"]
    after = theirs.api.get(f"/v1/missions/{theirs.mission_id}")
    assert after["status"] == "letter_generated"
    assert after["lines"] == mission["lines"]
    assert after["letters"] == mission["letters"]


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    http: httpx.Client, firms: tuple[Firm, Firm]
) -> None:
    ours, _ = firms
    shared = ours.folders["Lettres de mission"]
    code = f"C{secrets.token_hex(3)}"
    for path, data in (
        (f"/app/documents/{ours.document_id}/move", {"folder_id": shared}),
        (f"/app/missions/{ours.mission_id}/cancel", {"reason": "sans jeton"}),
        (f"/app/missions/{ours.mission_id}/lines/{ours.line_id}/price", {"price": "1"}),
        ("/app/catalogue", {"code": code, "name": "N", "price": "1", "frequency": "yearly"}),
    ):
        for sent in (data, {**data, "csrf_token": "forged"}):
            answer = http.post(path, data=sent)
            assert answer.status_code == 403, path
            assert "Formulaire refusé" in answer.text

    assert (
        ours.api.get(f"/v1/documents/{ours.document_id}")["folder_id"]
        == (ours.folders["Lettres de mission (cabinet)"])
    )
    mission = ours.api.get(f"/v1/missions/{ours.mission_id}")
    assert mission["status"] == "letter_generated"
    assert mission["lines"][0]["price"] != "1.00"
    assert code not in {s["code"] for s in ours.api.get("/v1/services")}


def test_bad_input_gets_a_french_4xx_page_never_a_5xx(
    http: httpx.Client, firms: tuple[Firm, Firm]
) -> None:
    ours, _ = firms
    token = form_token(http, "/app/")
    service = ours.api.get("/v1/services")[0]["id"]
    mission_form = f"/app/clients/{ours.client_id}/missions"
    for path, data, says in (
        (
            mission_form,
            {"name": "M", "period_start": "x", "period_end": "2026-12-31",
             "frequency": "monthly", "service_id": service},
            "n'est pas une date valide",
        ),
        (
            mission_form,
            {"name": "M", "period_start": "2026-01-01", "period_end": "2026-12-31",
             "frequency": "monthly", "service_id": service, f"price_{service}": "douze"},
            "n'est pas un montant en euros",
        ),
        (
            mission_form,
            {"name": "M", "period_start": "2026-01-01", "period_end": "2026-12-31",
             "frequency": "monthly"},
            "Choisissez au moins une prestation",
        ),
        (
            mission_form,
            {"name": "M\x00", "period_start": "2026-01-01", "period_end": "2026-12-31",
             "frequency": "monthly", "service_id": service},
            "ne convient pas",
        ),
        (
            f"/app/missions/{ours.mission_id}/lines/{ours.line_id}/price",
            {"price": "-5"},
            "ne peut pas être négatif",
        ),
        (f"/app/missions/{ours.mission_id}/cancel", {"reason": "  "}, "motif"),
        (
            f"/app/missions/{ours.mission_id}/letter",
            {"folder_id": "\x00", "firm_representative_id": "x", "client_representative_id": "y"},
            "",
        ),
        (f"/app/documents/{ours.document_id}/move", {"folder_id": "fld_nope"}, ""),
        ("/app/catalogue", {"code": "", "name": "", "price": "1"}, "Donnez un code"),
        ("/app/letter-templates", {"name": "Modèle"}, "Choisissez le fichier"),
    ):  # fmt: skip
        answer = http.post(path, data={**data, "csrf_token": token})
        assert 400 <= answer.status_code < 500, (path, answer.status_code, answer.text[:300])
        assert answer.headers["content-type"].startswith("text/html"), path
        assert says in html.unescape(answer.text), (path, answer.text[-2000:])
    mission = ours.api.get(f"/v1/missions/{ours.mission_id}")
    assert mission["status"] == "letter_generated"

    refused = http.post(
        "/app/letter-templates",
        data={"name": "Pas un docx", "csrf_token": token},
        files={"file": ("lettre.docx", b"not a zip", "application/octet-stream")},
    )
    assert refused.status_code == 422
    assert "Ce modèle est refusé" in html.unescape(refused.text)


def test_a_hostile_client_name_is_text_on_every_page(
    http: httpx.Client, firms: tuple[Firm, Firm]
) -> None:
    ours, _ = firms
    for path in (
        "/app/",
        "/app/clients",
        f"/app/clients/{ours.client_id}",
        f"/app/clients/{ours.client_id}/documents",
        f"/app/clients/{ours.client_id}/history",
        f"/app/clients/{ours.client_id}/missions/new",
        f"/app/requests/{ours.request_id}",
        f"/app/missions/{ours.mission_id}",
    ):
        answer = http.get(path)
        assert answer.status_code == 200, path
        assert "<script>alert(1)" not in answer.text, path
    for path in ("/app/clients", f"/app/clients/{ours.client_id}"):
        assert HOSTILE_SHOWN in http.get(path).text
