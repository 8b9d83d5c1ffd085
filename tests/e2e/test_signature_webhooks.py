"""The signature provider's webhooks and the waiting mission, over HTTP against `sceau run`:
forged callbacks, replayed and concurrent deliveries, unknown requests, expiry, decline,
and the firm cancelling at the provider."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from esignature.webhook_signing import HEADER, sign
from tests.e2e.stack import Api, Stack, wait_for
from tests.e2e.test_mission_flow import letter_body

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def firm_client(stack: Stack, staff: Api) -> dict[str, Any]:
    """A client of this module's own, so that its documents and tasks count only here."""
    client = staff.post(
        "/v1/clients",
        {
            "name": "Atelier Signatures SARL",
            "legal_form": "SARL",
            "siren": "512345678",
            "address": "8 rue Mercière, 69002 Lyon",
            "activity": "Reliure",
            "fiscal_year_end": "12-31",
            "representatives": [
                {
                    "first_name": "Zoé",
                    "last_name": "Martin",
                    "title": "Gérante",
                    "email": "zoe@signatures.example",
                }
            ],
        },
        expect=201,
    )
    folders = staff.get(f"/v1/clients/{client['id']}/folders")
    shared = next(f["id"] for f in folders if f["shared_with_client"])
    return {**client, "shared": shared}


def awaiting_mission(stack: Stack, staff: Api, firm_client: dict, name: str) -> dict[str, Any]:
    """A mission whose letter is out for signature; its id and the provider's request id."""
    mission = staff.post(
        "/v1/missions",
        {
            "client_id": firm_client["id"],
            "name": name,
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "frequency": "yearly",
            "lines": [{"service_id": stack.demo["service_ids"]["TVA"]}],
        },
        expect=201,
    )
    staff.post(
        f"/v1/missions/{mission['id']}/letter",
        letter_body(stack, firm_client, firm_client["shared"]),
        expect=201,
    )
    started = staff.post(f"/v1/missions/{mission['id']}/signature", expect=202)
    return {"id": mission["id"], "provider_request_id": started["provider_request_id"]}


def event_body(name: str, request_id: str, event_id: str, **data: Any) -> bytes:
    payload = {
        "event_id": event_id,
        "event_name": name,
        "event_time": str(int(time.time())),
        "data": {"signature_request": {"id": request_id}, **data},
    }
    return json.dumps(payload).encode()


def deliver(stack: Stack, body: bytes, signature: str | None) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers[HEADER] = signature
    return httpx.post(f"{stack.api}/v1/webhooks/signature/yousign", content=body, headers=headers)


def signed(stack: Stack, body: bytes) -> str:
    return sign(stack.secret("yousign_webhook_secret"), body)


def signer_statuses(staff: Api, mission_id: str) -> list[str]:
    mission = staff.get(f"/v1/missions/{mission_id}")
    return [signer["status"] for signer in mission["signature"]["signers"]]


def test_forged_webhooks_get_401_and_a_partial_signature_shows(
    stack: Stack, staff: Api, firm_client: dict
) -> None:
    mission = awaiting_mission(stack, staff, firm_client, "Mission webhooks falsifiés")
    request_id = mission["provider_request_id"]
    declined = event_body(
        "signature_request.declined", request_id, str(uuid.uuid4()), reason="falsifié"
    )
    other_body = event_body("signature_request.declined", request_id, str(uuid.uuid4()))
    for signature in (
        None,
        "",
        "sha256=" + "0" * 64,
        sign("not-the-secret", declined),
        signed(stack, other_body),  # a real signature, of another body
        signed(stack, declined)[len("sha256=") :],
    ):
        answer = deliver(stack, declined, signature)
        assert answer.status_code == 401, signature
        assert answer.json()["error"]["code"] == "bad_signature"

    # A genuine event after the forged ones: the client's representative has signed. Had a
    # forged decline reached the mission, it would have been applied first.
    client_signed = event_body(
        "signer.done",
        request_id,
        str(uuid.uuid4()),
        signer={"id": "s1", "info": {"email": "zoe@signatures.example"}},
    )
    assert deliver(stack, client_signed, signed(stack, client_signed)).status_code == 200
    wait_for(
        lambda: signer_statuses(staff, mission["id"]) == ["signed", "pending"],
        "the client's signature to show on the mission",
    )
    current = staff.get(f"/v1/missions/{mission['id']}")
    assert current["status"] == "awaiting_signature"
    assert [step["status"] for step in current["timeline"]][-1] == "awaiting_signature"
    staff.post(f"/v1/missions/{mission['id']}/cancel", {"reason": "fin du test"}, expect=202)


def test_a_replayed_or_concurrent_event_is_applied_once(
    stack: Stack, staff: Api, firm_client: dict
) -> None:
    mission = awaiting_mission(stack, staff, firm_client, "Mission livraisons multiples")
    body = event_body(
        "signature_request.declined",
        mission["provider_request_id"],
        str(uuid.uuid4()),
        reason="Périmètre à revoir",
    )
    signature = signed(stack, body)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: deliver(stack, body, signature), range(8)))
    assert [answer.status_code for answer in answers] == [200] * 8

    def follow_ups() -> list[dict[str, Any]]:
        tasks: list[dict[str, Any]] = staff.get("/v1/tasks", params={"mission_id": mission["id"]})
        return tasks

    wait_for(follow_ups, "the follow-up task of the declined letter")
    # Delivered again later, as a provider retrying would.
    assert deliver(stack, body, signature).status_code == 200
    final = wait_for(
        lambda: (m := staff.get(f"/v1/missions/{mission['id']}"))["status"] == "declined" and m,
        "the mission to be declined",
    )
    assert [step["status"] for step in final["timeline"]].count("declined") == 1
    (task,) = follow_ups()
    assert task["kind"] == "task"
    assert "Périmètre à revoir" in task["title"]


def test_events_for_unknown_requests_are_acknowledged(stack: Stack) -> None:
    for body in (
        event_body("signature_request.done", "no-such-request", str(uuid.uuid4())),
        event_body("signature_request.reminder_executed", "no-such-request", str(uuid.uuid4())),
    ):
        answer = deliver(stack, body, signed(stack, body))
        assert answer.status_code == 200
        assert answer.json() == {"status": "ignored"}
    # An event about no signature request at all (an electronic seal, a kind Yousign adds
    # later): acknowledged too, or the provider would send it again for days.
    seal = json.dumps(
        {
            "event_id": str(uuid.uuid4()),
            "event_name": "electronic_seal.done",
            "event_time": str(int(time.time())),
            "subscription_id": "sub",
            "subscription_description": "Sceau",
            "sandbox": True,
            "data": {"electronic_seal": {"id": "seal-1", "status": "done"}},
        }
    ).encode()
    answer = deliver(stack, seal, signed(stack, seal))
    assert (answer.status_code, answer.json()) == (200, {"status": "ignored"})
    not_an_event = b'{"event_id": "x"}'
    answer = deliver(stack, not_an_event, signed(stack, not_an_event))
    assert answer.status_code == 400


def test_the_request_expires_at_the_provider(stack: Stack, staff: Api, firm_client: dict) -> None:
    mission = awaiting_mission(stack, staff, firm_client, "Mission expirée")
    expired = httpx.post(
        f"{stack.provider}/_admin/signature_requests/{mission['provider_request_id']}/expire"
    )
    assert expired.status_code == 200
    final = wait_for(
        lambda: (m := staff.get(f"/v1/missions/{mission['id']}"))["status"] == "expired" and m,
        "the mission to expire",
    )
    assert final["signature"]["status"] == "expired"
    assert final["timeline"][-1]["status"] == "expired"
    assert staff.get("/v1/tasks", params={"mission_id": mission["id"]}) == []
    # Nothing signed, so nothing filed beyond the letter.
    documents = staff.get(
        f"/v1/clients/{firm_client['id']}/documents", params={"folder_id": firm_client["shared"]}
    )
    mine = [d["kind"] for d in documents if d.get("mission_id") == mission["id"]]
    assert mine == ["letter"]


def test_the_firm_cancels_at_the_provider(stack: Stack, staff: Api, firm_client: dict) -> None:
    mission = awaiting_mission(stack, staff, firm_client, "Mission annulée")
    staff.post(f"/v1/missions/{mission['id']}/cancel", {"reason": "Client parti"}, expect=202)
    final = wait_for(
        lambda: (m := staff.get(f"/v1/missions/{mission['id']}"))["status"] == "cancelled" and m,
        "the mission to be cancelled",
    )
    assert final["signature"]["status"] == "canceled"
    at_provider = httpx.get(
        f"{stack.provider}/v3/signature_requests/{mission['provider_request_id']}",
        headers={"Authorization": f"Bearer {stack.secret('yousign_api_key')}"},
    )
    assert at_provider.json()["status"] == "canceled"
    # The signer can no longer sign.
    late = httpx.post(f"{stack.provider}/signer/{mission['provider_request_id']}/sign")
    assert late.status_code == 409
