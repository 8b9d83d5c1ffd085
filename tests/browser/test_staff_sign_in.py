"""Staff sign in with their e-mail and password, in Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import Visit
from tests.e2e.stack import Stack


def sign_in(visit: Visit, email: str, password: str) -> None:
    page = visit.page
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_make_run_prints_where_and_how_to_sign_in(stack: Stack) -> None:
    banner = (stack.data_dir / "run.out").read_text()
    demo = stack.demo
    assert f"{stack.api}/app/sign-in" in banner
    assert f"e-mail {demo['staff_email']}   password {demo['staff_password']}" in banner
    assert f"{stack.api}/client/sign-in" in banner
    assert demo["mail_url"] in banner
    assert demo["client_name"] == "Boulangerie Dupont & Fils"
    assert demo["portal_email"] == "jean.dupont@boulangerie-dupont.example"


def test_staff_signs_in_and_sees_the_home_page(visit: Visit, stack: Stack) -> None:
    page = visit.page
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/app/sign-in$"))
    expect(page.get_by_role("heading", name="Connexion du cabinet")).to_be_visible()
    visit.shot("sign-in")

    sign_in(visit, stack.demo["staff_email"], stack.demo["staff_password"])

    expect(page).to_have_url(re.compile(r"/app/$"))
    expect(page.get_by_role("heading", name="Bonjour Claire Martin")).to_be_visible()
    expect(page.get_by_role("navigation", name="Navigation principale")).to_be_visible()
    expect(page.get_by_text("Cabinet Martin & Associés").first).to_be_visible()
    visit.shot("home")
    assert visit.console_errors == []


def test_a_wrong_password_shows_an_error_and_opens_nothing(visit: Visit, stack: Stack) -> None:
    page = visit.page
    page.goto("/app/sign-in")
    sign_in(visit, stack.demo["staff_email"], "not-the-password")

    expect(page.get_by_role("alert")).to_have_text("Adresse e-mail ou mot de passe incorrect.")
    expect(page.get_by_label("Adresse e-mail")).to_have_value(stack.demo["staff_email"])
    visit.shot("wrong-password")
    page.goto("/app/")
    expect(page).to_have_url(re.compile(r"/app/sign-in\?next="))  # still signed out
    visit.shot("still-signed-out")


def test_a_page_asked_before_sign_in_opens_after_it(visit: Visit, stack: Stack) -> None:
    page = visit.page
    page.goto("/app/")
    expect(page).to_have_url(re.compile(r"/app/sign-in\?next=%2Fapp%2F$"))
    visit.shot("sent-to-sign-in")
    sign_in(visit, stack.demo["staff_email"], stack.demo["staff_password"])
    expect(page).to_have_url(re.compile(r"/app/$"))
    visit.shot("back-home")


def test_sign_in_works_with_the_keyboard_alone(visit: Visit, stack: Stack) -> None:
    page = visit.page
    page.goto("/app/sign-in")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Adresse e-mail")).to_be_focused()
    page.keyboard.type(stack.demo["staff_email"])
    page.keyboard.press("Tab")
    expect(page.get_by_label("Mot de passe")).to_be_focused()
    page.keyboard.type(stack.demo["staff_password"])
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Bonjour Claire Martin")).to_be_visible()
    visit.shot("signed-in-by-keyboard")

    # Signing out everywhere from the footer ends this browser's session too.
    page.get_by_role("button", name="Fermer toutes mes sessions").click()
    expect(page).to_have_url(re.compile(r"/app/sign-in\?signed_out=1"))
    expect(page.get_by_role("status")).to_have_text("Vous êtes déconnecté.")
    page.goto("/app/")
    expect(page).to_have_url(re.compile(r"/app/sign-in\?next="))
