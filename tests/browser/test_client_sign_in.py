"""Clients sign in from a one-time link e-mailed to them, and ask for services."""

from __future__ import annotations

import re
import secrets

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import Visit
from tests.browser.mailbox import body, link_in, mail_files, new_mail_to, read
from tests.browser.pages import browser_client, form_token
from tests.browser.world import staff_api
from tests.e2e.stack import Stack, wait_for


def test_the_client_signs_in_from_the_caught_email_and_asks_for_services(
    visit: Visit, stack: Stack
) -> None:
    page, demo = visit.page, stack.demo
    page.goto("/client/")
    expect(page).to_have_url(re.compile(r"/client/sign-in\?next="))
    page.get_by_label("Adresse e-mail").fill(demo["portal_email"])
    page.get_by_role("button", name="Recevoir un lien de connexion").click()
    expect(page.get_by_role("heading", name="Consultez votre messagerie")).to_be_visible()
    visit.shot("link-asked")

    # The e-mail, read on the catcher's page as the demo's reader would.
    page.goto(demo["mail_url"])
    page.get_by_role("link", name=re.compile("Votre lien de connexion")).first.click()
    expect(page.get_by_text(demo["portal_email"]).first).to_be_visible()
    visit.shot("caught-mail")
    link = re.search(r"http://\S+/client/sign-in/\S+", page.locator("pre").inner_text())
    assert link is not None

    page.goto(link.group(0))
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name=demo["client_name"])).to_be_visible()
    visit.shot("client-home")

    page.get_by_role("navigation").get_by_role("link", name="Demander une prestation").click()
    page.get_by_label("Tenue de la comptabilité").check()
    page.get_by_label("Déclarations de TVA").check()
    expect(page.get_by_text("250,00 € HT, mensuelle")).to_be_visible()
    page.get_by_label("Votre message (facultatif)").fill("Nous ouvrons une deuxième boutique.")
    visit.shot("service-request-form")
    page.get_by_role("button", name="Demander une prestation").click()

    expect(page.get_by_role("status")).to_have_text("Votre demande a été envoyée au cabinet.")
    expect(page.get_by_text("Nous ouvrons une deuxième boutique.")).to_be_visible()
    visit.shot("service-requests")
    assert visit.console_errors == []

    # The firm sees the request, and its mission's workflow has started.
    staff = staff_api(stack)
    asked = [
        r
        for r in staff.get("/v1/service-requests")
        if r["message"] == "Nous ouvrons une deuxième boutique."
    ]
    assert len(asked) == 1
    services = demo["service_ids"]
    assert set(asked[0]["service_ids"]) == {services["TENUE"], services["TVA"]}
    wait_for(
        lambda: any(
            m["service_request_id"] == asked[0]["id"] and m["status"] == "requested"
            for m in staff.get(f"/v1/missions?client_id={demo['client_id']}")
        ),
        "the request's mission",
    )


def test_a_sign_in_link_opens_one_session_once(stack: Stack) -> None:
    email = stack.demo["portal_email"]
    http = browser_client(stack.api)
    seen = mail_files(stack)
    token = form_token(http, "/client/sign-in")
    http.post("/client/sign-in", data={"email": email, "csrf_token": token})
    message = new_mail_to(stack, email, seen)
    path = httpx.URL(link_in(message, "/client/sign-in/")).path
    assert "valable 15 minutes" in body(message)

    token = form_token(http, path)
    assert http.post(path, data={"csrf_token": token}).status_code == 303
    again = browser_client(stack.api)
    token = form_token(again, "/client/sign-in")
    second = again.post(path, data={"csrf_token": token})
    assert second.status_code == 410
    assert "Lien expiré" in second.text
    assert again.get(path).status_code == 410
    assert again.get("/client/").status_code == 303


def test_an_unknown_email_gets_the_same_answer_and_no_mail(stack: Stack) -> None:
    http = browser_client(stack.api)
    token = form_token(http, "/client/sign-in")
    seen = mail_files(stack)
    known = http.post(
        "/client/sign-in", data={"email": stack.demo["portal_email"], "csrf_token": token}
    )
    unknown_email = f"nobody-{secrets.token_hex(4)}@example.com"
    unknown = http.post("/client/sign-in", data={"email": unknown_email, "csrf_token": token})

    assert known.status_code == unknown.status_code == 200
    assert known.text.replace(stack.demo["portal_email"], "X") == unknown.text.replace(
        unknown_email, "X"
    )
    new_mail_to(stack, stack.demo["portal_email"], seen)
    later = {str(read(stack.data_dir / "mail" / name)["To"]) for name in mail_files(stack) - seen}
    assert unknown_email not in later


def test_the_sixth_link_request_in_a_minute_gets_429(stack: Stack) -> None:
    http = browser_client(stack.api)
    token = form_token(http, "/client/sign-in")
    email = f"someone-{secrets.token_hex(4)}@example.com"
    answers = [
        http.post("/client/sign-in", data={"email": email, "csrf_token": token}).status_code
        for _ in range(5)
    ]
    sixth = http.post("/client/sign-in", data={"email": email, "csrf_token": token})
    assert answers == [200] * 5
    assert sixth.status_code == 429
    assert 1 <= int(sixth.headers["retry-after"]) <= 60
