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
