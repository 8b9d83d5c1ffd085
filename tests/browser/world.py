"""What the client pages' tests start from, made through the live API: a second firm, a
client whose name is hostile markup, missions at given points."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from tests.e2e.missions import open_year
from tests.e2e.stack import Api, Stack, wait_for

SCRIPT_NAME = '<script>alert(1)</script> & "Fils"'


def staff_api(stack: Stack) -> Api:
    return Api(stack.api, stack.demo["staff_token"])


def new_client(staff: Api, name: str, email: str) -> dict[str, Any]:
    """A client of the staff's firm with a portal user, and its folders."""
    client: dict[str, Any] = staff.post(
        "/v1/clients",
        {
            "name": name,
            "legal_form": "SARL",
            "siren": "498765432",
            "address": "3 place des Terreaux, 69001 Lyon",
            "activity": "Boulangerie",
            "fiscal_year_end": "12-31",
            "representatives": [
                {"first_name": "Zoé", "last_name": "Martin", "title": "Gérante", "email": email}
            ],
        },
        expect=201,
    )
    staff.post(f"/v1/clients/{client['id']}/portal-users", {"email": email}, expect=201)
    folders = staff.get(f"/v1/clients/{client['id']}/folders")
    client["private"] = next(f["id"] for f in folders if not f["shared_with_client"])
    client["shared"] = next(f["id"] for f in folders if f["shared_with_client"])
    return client


def other_firm(stack: Stack) -> tuple[Api, dict[str, Any], str]:
    """A second firm with one client and its portal user's e-mail."""
    operator = Api(stack.api, stack.secret("operator_token"))
    firm = operator.post(
        "/v1/firms",
        {
            "name": "Cabinet Autre",
            "legal_form": "SAS",
            "siren": "111222333",
            "address": "1 rue de Paris, 75001 Paris",
            "vat_number": "FR00111222333",
            "ordre_council": "Conseil régional de Paris Île-de-France",
        },
        expect=201,
    )
    admin = Api(stack.api, firm["admin_token"])
    email = f"client-{secrets.token_hex(4)}@autre.example"
    client = new_client(admin, "Client de l'autre cabinet", email)
    return admin, client, email


def mission_with_letter(
    stack: Stack, staff: Api, client: dict[str, Any], folder: str, *, send: bool, sign: bool
) -> dict[str, Any]:
    """A mission of bookkeeping for ``client``, its letter filed in ``folder``; sent for
    signature with ``send``; signed by both signers with ``sign`` (then waits for its work)."""
    services = stack.demo["service_ids"]
    # Over the open year: signed now, every slice has opened, so its work exists at once.
    start, end = open_year()
    mission = staff.post(
        "/v1/missions",
        {
            "client_id": client["id"],
            "name": f"Mission {secrets.token_hex(3)}",
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "frequency": "monthly",
            "lines": [{"service_id": services["TENUE"]}],
        },
        expect=201,
    )
    letter = staff.post(
        f"/v1/missions/{mission['id']}/letter",
        {
            "template_id": "default",
            "folder_id": folder,
            "firm_representative_id": stack.demo["staff_id"],
            "client_representative_id": client["representatives"][0]["id"],
        },
        expect=201,
    )
    mission["document_id"] = letter["document_id"]
    if send:
        started = staff.post(f"/v1/missions/{mission['id']}/signature", {}, expect=202)
        mission["provider_request_id"] = started["provider_request_id"]
    if sign:
        signing = httpx.post(f"{stack.provider}/signer/{mission['provider_request_id']}/sign")
        assert signing.is_success, signing.text
        wait_for(
            lambda: staff.get(f"/v1/missions/{mission['id']}")["status"] == "active",
            "the mission to become active",
            120,
        )
    return mission
