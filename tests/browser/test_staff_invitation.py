"""An admin invites a staff member, who chooses a password from the e-mailed link."""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import expect

from tests.browser.conftest import Visit
from tests.browser.mailbox import link_in, mail_files, new_mail_to
from tests.browser.test_staff_sign_in import sign_in
from tests.e2e.stack import Api, Stack


def test_an_invited_staff_member_chooses_a_password_and_signs_in(
    visit: Visit, stack: Stack
) -> None:
    admin = Api(stack.api, stack.demo["admin_token"])
    email = f"paul-{secrets.token_hex(4)}@cabinet-martin.example"
    staff = admin.post(
        "/v1/staff",
        {"email": email, "first_name": "Paul", "last_name": "Girard", "role": "staff"},
        expect=201,
    )
    seen = mail_files(stack)
    invited = admin.post(f"/v1/staff/{staff['id']}/invitation", expect=202)
    assert invited["sent_to"] == email
    link = link_in(new_mail_to(stack, email, seen), "/app/invitation/")

    page = visit.page
    page.goto(link)
    expect(page.get_by_role("heading", name="Choisir votre mot de passe")).to_be_visible()
    page.get_by_label("Mot de passe", exact=True).fill("un mot de passe solide")
    page.get_by_label("Confirmer le mot de passe").fill("un autre mot de passe")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.get_by_role("alert")).to_have_text("Les deux mots de passe ne sont pas identiques.")
    visit.shot("mismatch")

    page.get_by_label("Mot de passe", exact=True).fill("un mot de passe solide")
    page.get_by_label("Confirmer le mot de passe").fill("un mot de passe solide")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.get_by_role("heading", name="Bonjour Paul Girard")).to_be_visible()
    visit.shot("home")

    # The link served once; the password opens the pages from now on.
    page.goto(link)
    expect(page.get_by_role("heading", name="Invitation expirée")).to_be_visible()
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/app/sign-in\?signed_out=1"))
    sign_in(visit, email, "un mot de passe solide")
    expect(page.get_by_role("heading", name="Bonjour Paul Girard")).to_be_visible()


def test_another_firms_staff_cannot_be_invited(stack: Stack) -> None:
    operator = Api(stack.api, stack.secret("operator_token"))
    firm = operator.post(
        "/v1/firms",
        {
            "name": "Cabinet Tiers",
            "legal_form": "SAS",
            "siren": "999888777",
            "address": "2 rue de Lille, 59000 Lille",
            "vat_number": "FR00999888777",
            "ordre_council": "Conseil régional des Hauts-de-France",
        },
        expect=201,
    )
    admin = Api(stack.api, stack.demo["admin_token"])
    admin.post(f"/v1/staff/{firm['admin_id']}/invitation", expect=404)
    Api(stack.api, stack.demo["staff_token"]).post(
        f"/v1/staff/{stack.demo['staff_id']}/invitation", expect=403
    )
