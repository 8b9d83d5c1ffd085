"""Issue 16's whole flow in Chromium, two people at once: the client (one browser context)
and the firm's staff member (another), with every link taken from the e-mail `sceau run`'s
catcher caught. Each page's screenshot is kept under var/test-artifacts/browser/<test>/ (the
client's) and <test>-second/ (the staff member's); a failing step keeps ``failed.png``."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import Visit
from tests.browser.mailbox import link_in, mail_files, new_mail_to
from tests.browser.test_client_pages import answer_first_request, sign_in_as_client
from tests.browser.test_staff_pages import (
    generate_into_private_folder,
    move_letter_to_shared_folder,
    preview,
    send_for_signature,
    signed_in,
)
from tests.browser.world import new_client, staff_api
from tests.e2e.missions import open_year
from tests.e2e.stack import Stack

LETTER_TO_SIGN = "Lettre de mission à signer"


def ask_for_services(visit: Visit) -> None:
    page = visit.page
    page.get_by_role("navigation").get_by_role("link", name="Demander une prestation").click()
    page.get_by_label("Tenue de la comptabilité").check()
    page.get_by_label("Déclarations de TVA").check()
    page.get_by_label("Votre message (facultatif)").fill("Pour notre nouvelle boutique.")
    visit.shot("service-request-form")
    page.get_by_role("button", name="Demander une prestation").click()
    expect(page.get_by_role("status")).to_have_text("Votre demande a été envoyée au cabinet.")
    visit.shot("service-requested")


def adjust_and_create(visit: Visit, client_name: str, mission_name: str) -> str:
    """The request from the home page, adjusted (no VAT returns after all), then its
    mission over the open year with the bookkeeping's price changed; the mission's id."""
    page = visit.page
    page.goto("/app/")
    page.get_by_role("region", name="Demandes à traiter").get_by_role(
        "link", name=client_name
    ).click()
    expect(page.get_by_role("heading", name=f"Demande de {client_name}")).to_be_visible()
    expect(page.get_by_label("Déclarations de TVA", exact=True)).to_be_checked()
    page.get_by_label("Déclarations de TVA", exact=True).uncheck()
    page.get_by_role("button", name="Enregistrer la demande").click()
    expect(page.get_by_role("status")).to_have_text("La demande est ajustée.")
    visit.shot("request-adjusted")

    page.get_by_role("link", name="Créer la mission").click()
    expect(page.get_by_label("Tenue de la comptabilité", exact=True)).to_be_checked()
    expect(page.get_by_label("Déclarations de TVA", exact=True)).not_to_be_checked()
    start, end = open_year()
    page.get_by_label("Nom de la mission").fill(mission_name)
    page.get_by_label("Début de la période").fill(start.isoformat())
    page.get_by_label("Fin de la période").fill(end.isoformat())
    page.get_by_role("button", name="Modifier le prix de Tenue de la comptabilité").click()
    price = page.get_by_label("Prix HT de Tenue de la comptabilité")
    expect(price).to_be_focused()
    price.fill("312,50")
    visit.shot("mission-form")
    page.get_by_role("button", name="Créer la mission").click()
    expect(page.get_by_role("status")).to_have_text("La mission est créée.")
    expect(page.get_by_role("heading", name=mission_name, level=1)).to_be_visible()
    visit.shot("mission-draft")
    return page.url.split("/app/missions/")[1].split("?")[0]


def client_documents(visit: Visit) -> Page:
    page = visit.page
    page.goto("/client/")
    page.get_by_role("navigation").get_by_role("link", name="Documents").click()
    return page


def sign_from_the_email(visit: Visit, stack: Stack, to: str, seen: set[str]) -> None:
    """Open the signing link of the e-mail to ``to`` and sign on the provider's page."""
    page = visit.page
    message = new_mail_to(stack, to, seen, seconds=60, subject=LETTER_TO_SIGN)
    # A click, as a person makes it: when "Signer" sat below the PDF's frame, the click that
    # followed the scroll to it landed in the frame and nothing was sent.
    page.goto(link_in(message, "/signer/"), wait_until="networkidle")
    visit.shot("signer-page")
    with page.expect_navigation(url=re.compile(r"done=signed"), timeout=20_000):
        page.get_by_role("button", name="Signer", exact=True).click()
    expect(page.get_by_text("Votre signature est enregistrée. Merci.")).to_be_visible()
    visit.shot("signed")


def test_the_seed_flow_clicked_through_by_the_client_and_the_firm(
    visit: Visit, second_visit: Visit, stack: Stack, tmp_path: Path
) -> None:
    client_visit, staff_visit = visit, second_visit
    staff = staff_api(stack)
    email = f"zoe-{secrets.token_hex(4)}@boulangerie.example"
    client_name = f"Boulangerie Martin {secrets.token_hex(2)}"
    client = new_client(staff, client_name, email)
    mission_name = f"Tenue {secrets.token_hex(2)}"

    # The client signs in from the caught e-mail's link and asks for services.
    sign_in_as_client(client_visit, stack, email)
    client_visit.shot("client-home")
    ask_for_services(client_visit)

    # The staff member adjusts the request, creates its mission with one price changed,
    # previews the letter and generates it into the firm's private folder.
    signed_in(staff_visit, stack)
    staff_visit.shot("home")
    mission_id = adjust_and_create(staff_visit, client_name, mission_name)
    preview(staff_visit, mission_id)
    generate_into_private_folder(staff_visit)
    [letter] = staff.get(f"/v1/clients/{client['id']}/documents")
    in_client_pages = f"a[href*='{letter['id']}']"

    # Private: the client does not see it; moved to the shared folder ("Déplacer"), they do.
    page = client_documents(client_visit)
    expect(page.locator(in_client_pages)).to_have_count(0)
    client_visit.shot("documents-without-the-letter")
    move_letter_to_shared_folder(staff_visit)
    page = client_documents(client_visit)
    expect(page.locator(in_client_pages).first).to_be_visible()
    client_visit.shot("documents-with-the-letter")

    # Sent: each signer signs from the link e-mailed to them.
    seen = mail_files(stack)
    tracking = send_for_signature(staff_visit, mission_id, "Zoé Martin")
    signers = staff.get(f"/v1/missions/{mission_id}")["signature"]["signers"]
    firm_email = next(s["email"] for s in signers if s["role"] == "firm")
    sign_from_the_email(client_visit, stack, email, seen)
    sign_from_the_email(staff_visit, stack, firm_email, seen)

    # The firm sees the mission active (the page follows the workflow) and its tasks.
    staff_page = staff_visit.page
    staff_page.goto(f"/app/missions/{mission_id}")
    expect(tracking.locator("[data-status]")).to_have_text("Active", timeout=90_000)
    staff_visit.shot("active")
    staff_page.goto(f"/app/clients/{client['id']}/tasks")
    expect(staff_page.get_by_role("table")).to_contain_text(mission_name)
    staff_visit.shot("tasks")

    # The client answers an information request with a file.
    client_visit.page.goto("/client/")
    statement = tmp_path / "releve.pdf"
    statement.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    answer_first_request(client_visit, "Voici le relevé du mois.", statement)
    assert client_visit.dialogs == staff_visit.dialogs == []
