"""The workflow's e-mails through the running stack: `sceau run`'s SMTP catcher keeps each
message under <data dir>/mail/, as a person's mailbox would."""

from __future__ import annotations

import secrets
import time

import httpx
import pytest

from tests.browser.mailbox import body, link_in, mail_files, new_mail_to, new_messages
from tests.browser.world import mission_with_letter, new_client
from tests.e2e.stack import Api, Stack, wait_for

pytestmark = pytest.mark.e2e


def test_a_letter_sent_for_signature_mails_each_signer_one_working_link(
    stack: Stack, staff: Api
) -> None:
    email = f"zoe-{secrets.token_hex(3)}@mail.example"
    # A client with a portal user, the representative who signs: the same person.
    client = new_client(staff, f"Fromagerie Martin {secrets.token_hex(2)}", email)
    mission = mission_with_letter(stack, staff, client, client["shared"], send=False, sign=False)
    name = mission["name"]
    seen = mail_files(stack)
    started = staff.post(f"/v1/missions/{mission['id']}/signature", {}, expect=202)

    letter = new_mail_to(stack, f"Zoé Martin <{email}>", seen)
    assert str(letter["Subject"]) == f"Lettre de mission à signer : {name}"
    link = link_in(letter, "/signer/")
    assert link.startswith(f"{stack.provider}/signer/{started['provider_request_id']}")
    page = httpx.get(link, timeout=30)
    assert page.status_code == 200
    assert "Signer" in page.text
    # The firm's representative gets theirs too; a moment later, still one message each.
    time.sleep(3)
    to_sign = new_messages(stack, seen, f"Lettre de mission à signer : {name}")
    recipients = sorted(str(message["To"]).lower() for message in to_sign)
    assert len(recipients) == len(set(recipients)) == 2, recipients
    assert any(email in recipient for recipient in recipients)

    # Both sign: the signed letter, in the shared folder, is mailed to the client, once.
    seen = mail_files(stack)
    signed = httpx.post(f"{stack.provider}/signer/{started['provider_request_id']}/sign")
    assert signed.is_success, signed.text
    wait_for(
        lambda: staff.get(f"/v1/missions/{mission['id']}")["status"] == "active",
        "the mission to become active",
        120,
    )
    news = wait_for(
        lambda: new_messages(stack, seen, "Nouveau document disponible") or None,
        "the signed letter's e-mail",
        60,
    )
    time.sleep(2)
    news = new_messages(stack, seen, "Nouveau document disponible")
    assert [str(message["To"]).lower() for message in news] == [email]
    assert "/client/documents" in body(news[0])
    # The year's information requests opened at the signature: one message lists them.
    # ("Nouvelle demande d'informations : …" for one, "N demandes d'informations de …").
    asked = wait_for(
        lambda: (
            [
                message
                for message in new_messages(stack, seen, "")
                if "d'informations" in str(message["Subject"])
            ]
            or None
        ),
        "the information requests' e-mail",
        60,
    )
    assert [str(message["To"]).lower() for message in asked] == [email]
