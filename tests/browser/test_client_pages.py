"""The client's pages on real missions: shared documents, a letter to sign, an information
request answered with a file; another firm's client sees none of it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Visit
from tests.browser.mailbox import link_in, mail_files, new_mail_to
from tests.browser.pages import client_signed_in
from tests.browser.world import mission_with_letter, other_firm, staff_api
from tests.e2e.stack import Stack


@pytest.fixture(scope="module")
def missions(stack: Stack) -> dict[str, Any]:
    """The demo client's missions: one awaiting its signature (letter in the shared folder),
    one active (signed, its information requests created), one with a private letter."""
    staff = staff_api(stack)
    client = staff.get(f"/v1/clients/{stack.demo['client_id']}")
    folders = staff.get(f"/v1/clients/{client['id']}/folders")
    shared = next(f["id"] for f in folders if f["shared_with_client"])
    private = next(f["id"] for f in folders if not f["shared_with_client"])
    return {
        "to_sign": mission_with_letter(stack, staff, client, shared, send=True, sign=False),
        "active": mission_with_letter(stack, staff, client, private, send=True, sign=True),
        "private": mission_with_letter(stack, staff, client, private, send=False, sign=False),
    }


def sign_in_as_client(visit: Visit, stack: Stack, email: str) -> None:
    page = visit.page
    seen = mail_files(stack)
    page.goto("/client/sign-in")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_role("button", name="Recevoir un lien de connexion").click()
    expect(page.get_by_role("heading", name="Consultez votre messagerie")).to_be_visible()
    page.goto(link_in(new_mail_to(stack, email, seen), "/client/sign-in/"))
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(r"/client/$"))


def answer_first_request(visit: Visit, answer: str, attached: Path) -> str:
    """From "Demandes d'informations": the first request answered ("Répondre") with
    ``answer`` and the file ``attached``; the request's title."""
    page = visit.page
    page.get_by_role("navigation").get_by_role("link", name="Demandes d'informations").click()
    first = page.get_by_role("link", name=re.compile(r"^Répondre")).first
    expect(first).to_be_visible()
    visit.shot("information-requests")
    first.click()
    title = page.get_by_role("heading", level=1).inner_text()
    page.get_by_label("Votre réponse").fill(answer)
    page.get_by_label("Fichiers (facultatif)").set_input_files(str(attached))
    visit.shot("answer-form")
    page.get_by_role("button", name="Répondre").click()
    expect(page.get_by_role("status")).to_have_text("Votre réponse a été envoyée au cabinet.")
    expect(page.get_by_text(answer)).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text=attached.name)).to_be_visible()
    visit.shot("answered")
    return title


def test_the_client_sees_shared_letters_signs_and_answers_with_a_file(
    visit: Visit, stack: Stack, missions: dict[str, Any], tmp_path: Path
) -> None:
    page, demo = visit.page, stack.demo
    sign_in_as_client(visit, stack, demo["portal_email"])
    visit.shot("home")

    page.get_by_role("navigation").get_by_role("link", name="Documents").click()
    rows = page.get_by_role("row")
    shared_letter = page.get_by_role("link", name=re.compile("Télécharger")).filter(
        has=page.locator(f"xpath=self::*[contains(@href, '{missions['to_sign']['document_id']}')]")
    )
    expect(shared_letter).to_have_count(1)
    # The letters filed in the private folder are not there.
    for private in ("active", "private"):
        expect(page.locator(f"a[href*='{missions[private]['document_id']}']")).to_have_count(0)
    expect(rows.nth(1)).to_contain_text("Lettre")
    visit.shot("documents")
    with page.expect_download() as download:
        shared_letter.click()
    assert download.value.suggested_filename.endswith(".pdf")
    pdf = tmp_path / "letter.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    page.get_by_role("navigation").get_by_role("link", name="Lettres à signer").click()
    sign = page.get_by_role("link", name=re.compile("Signer la lettre"))
    expect(sign).to_have_count(1)
    href = sign.get_attribute("href") or ""
    assert href.startswith(f"{stack.provider}/signer/{missions['to_sign']['provider_request_id']}")
    visit.shot("letters")

    statement = tmp_path / "releve-janvier.pdf"
    statement.write_bytes(pdf.read_bytes())
    title = answer_first_request(visit, "Voici le relevé de janvier.", statement)
    expect(page.get_by_role("button", name="Répondre")).to_have_count(0)
    assert visit.console_errors == []

    # The firm sees the answer and the file in the client's GED.
    staff = staff_api(stack)
    answered = [
        item
        for item in staff.get(f"/v1/tasks?mission_id={missions['active']['id']}")
        if item["title"] == title
    ]
    assert [item["status"] for item in answered] == ["answered"]
    documents = staff.get(f"/v1/clients/{demo['client_id']}/documents")
    assert any(d["name"] == "releve-janvier.pdf" for d in documents)


def test_another_firms_pages_answer_404(stack: Stack, missions: dict[str, Any]) -> None:
    _, _, email = other_firm(stack)
    outsider = client_signed_in(stack, email)
    demo_client = client_signed_in(stack, stack.demo["portal_email"])
    staff = staff_api(stack)
    request_id = staff.get(
        f"/v1/tasks?mission_id={missions['active']['id']}&kind=information_request"
    )[0]["id"]
    document = missions["to_sign"]["document_id"]

    for path in (
        f"/client/documents/{document}/content",
        f"/client/documents/{document}/content?download=true",
        f"/client/information-requests/{request_id}",
    ):
        assert demo_client.get(path).status_code == 200, path
        answer = outsider.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("text/html")
        assert "Page introuvable" in answer.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', outsider.get("/client/").text)
    assert token is not None
    refused = outsider.post(
        f"/client/information-requests/{request_id}",
        data={"csrf_token": token.group(1), "answer": "intrusion"},
    )
    assert refused.status_code == 404
    # Its own lists hold nothing of the other firm.
    for path in ("/client/documents", "/client/letters", "/client/information-requests"):
        assert document not in outsider.get(path).text
        assert request_id not in outsider.get(path).text
    # A private letter is not the client's own either.
    private = missions["private"]["document_id"]
    assert demo_client.get(f"/client/documents/{private}/content").status_code == 404
