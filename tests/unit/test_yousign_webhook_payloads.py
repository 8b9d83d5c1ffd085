"""Sceau's webhook parser (parse_webhook) on payloads shaped as Yousign's v3 reference shows.

Every webhook has the same envelope: ``event_id``, ``event_name``, ``event_time`` (Unix time
as a string, constant through retries), ``subscription_id``, ``subscription_description``,
``sandbox`` and ``data``. For a signature request event ``data`` holds the whole
``signature_request``; a signer event adds the ``signer`` who acted; an electronic seal event
holds ``electronic_seal`` only. (developers.yousign.com: "Webhook messages", the webhook
events reference, "Delivery mode none with ordered signers".)

The fixtures below are written out in full, with the fields Sceau does not read, because the
point is that those fields are ignored and the ones Sceau reads are where Yousign puts them.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from esignature.yousign import parse_webhook

REQUEST_ID = "b9bf5521-00eb-4044-adf5-da4ea31a48e0"
CLIENT_SIGNER_ID = "4b3e2e1f-7c4a-4f8e-9a51-2f0e8d6c1b27"
FIRM_SIGNER_ID = "a0c5d6e7-3b2f-4e9a-8c1d-5f6e7a8b9c0d"
EXTERNAL_ID = "mission-42:v3"


def signer(signer_id: str, first: str, last: str, email: str, status: str) -> dict[str, Any]:
    """A signer as Yousign serialises it inside ``signature_request.signers`` and ``signer``."""
    return {
        "id": signer_id,
        "info": {
            "first_name": first,
            "last_name": last,
            "email": email,
            "phone_number": "+33612345678",
            "locale": "fr",
        },
        "status": status,
        "signature_level": "electronic_signature",
        "signature_authentication_mode": "otp_email",
        "signature_link": None,
        "signature_link_expiration_date": None,
        "signature_image_preview": None,
        "delivery_mode": "email",
        "redirect_urls": {"success": None, "error": None, "decline": None},
        "custom_text": {"request_subject": None, "request_body": None},
    }


CLIENT = signer(CLIENT_SIGNER_ID, "Émilie", "Dupont-Lefèvre", "emilie@eclair.example.fr", "signed")
FIRM = signer(FIRM_SIGNER_ID, "Marc", "Lœuvre", "marc@cabinet.example.fr", "notified")

SIGNATURE_REQUEST: dict[str, Any] = {
    "id": REQUEST_ID,
    "status": "ongoing",
    "name": "Lettre de mission 2025 — Société Éclair",
    "delivery_mode": "email",
    "created_at": "2025-01-10T16:59:20+00:00",
    "ordered_signers": True,
    "reminder_settings": {"interval_in_days": 7, "max_occurrences": 3},
    "timezone": "Europe/Paris",
    "email_custom_note": "Merci de signer la lettre de mission.",
    "expiration_date": "2025-07-09T21:59:00+00:00",
    "source": "public_api",
    "signers": [CLIENT, FIRM],
    "approvers": [],
    "labels": [],
    "documents": [
        {"id": "5c8e2a9f-1d3b-4c6e-8f0a-2b4d6f8a0c1e", "nature": "signable_document"},
        {"id": "9e7d5c3b-1a2f-4e6d-8c0b-7a9e5d3c1b2a", "nature": "attachment"},
    ],
    "external_id": EXTERNAL_ID,
    "branding_id": None,
    "custom_experience_id": None,
    "sender": {"id": "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", "email": "cabinet@example.fr"},
    "workspace_id": "7c6b5a49-3827-4160-9f8e-7d6c5b4a3928",
    "audit_trail_locale": "fr",
    "signers_allowed_to_decline": True,
    "decline_information": None,
    "bulk_send_batch_id": None,
}


def envelope(event_name: str, data: Any, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": "d09f0367-d80a-409c-a2ed-7083991fc564",
        "event_name": event_name,
        "event_time": "1736528360",
        "subscription_id": "6a1f5e3d-8c2b-4a9e-b7d6-3f0e1c2b4a59",
        "subscription_description": "Sceau — lettres de mission",
        "sandbox": False,
        "data": data,
        **extra,
    }


def request_with(**changes: Any) -> dict[str, Any]:
    value = copy.deepcopy(SIGNATURE_REQUEST)
    value.update(changes)
    return value


def body(payload: dict[str, Any]) -> bytes:
    """Serialised as a PHP sender does: non-ASCII as \\u escapes, slashes escaped."""
    return json.dumps(payload).replace("/", "\\/").encode("ascii")


# --------------------------------------------------------------------------- signature requests


def test_signer_done() -> None:
    event = parse_webhook(
        body(envelope("signer.done", {"signature_request": request_with(), "signer": CLIENT}))
    )
    assert event.event_id == "d09f0367-d80a-409c-a2ed-7083991fc564"
    assert event.event_name == "signer.done"
    assert event.signature_request_id == REQUEST_ID
    assert event.signature_request_status == "ongoing"
    assert event.external_id == EXTERNAL_ID
    assert event.signer_id == CLIENT_SIGNER_ID
    assert event.signer_email == "emilie@eclair.example.fr"
    assert event.reason is None


def test_signature_request_done() -> None:
    signed = [dict(s, status="signed") for s in (CLIENT, FIRM)]
    event = parse_webhook(
        body(
            envelope(
                "signature_request.done",
                {"signature_request": request_with(status="done", signers=signed)},
            )
        )
    )
    assert event.event_name == "signature_request.done"
    assert event.signature_request_id == REQUEST_ID
    assert event.signature_request_status == "done"
    assert event.external_id == EXTERNAL_ID
    assert event.signer_id is None
    assert event.signer_email is None


DECLINE = {
    "signer_id": FIRM_SIGNER_ID,
    "reason": "Les honoraires ne correspondent pas au devis.",
    "declined_at": "2025-01-12T09:14:03+00:00",
}


def test_signature_request_declined_takes_the_reason_from_decline_information() -> None:
    declined = request_with(status="declined", decline_information=DECLINE)
    event = parse_webhook(
        body(envelope("signature_request.declined", {"signature_request": declined}))
    )
    assert event.signature_request_id == REQUEST_ID
    assert event.signature_request_status == "declined"
    assert event.reason == "Les honoraires ne correspondent pas au devis."


def test_signer_declined_names_the_signer() -> None:
    declined = request_with(status="declined", decline_information=DECLINE)
    event = parse_webhook(
        body(
            envelope(
                "signer.declined",
                {"signature_request": declined, "signer": dict(FIRM, status="declined")},
            )
        )
    )
    assert event.signer_id == FIRM_SIGNER_ID
    assert event.signer_email == "marc@cabinet.example.fr"
    assert event.reason == "Les honoraires ne correspondent pas au devis."


def test_a_reason_given_beside_the_signature_request_comes_first() -> None:
    """Yousign's changelog (2023-07-20): declined payloads carry the signer and the reason."""
    declined = request_with(status="declined", decline_information=DECLINE)
    data = {"signature_request": declined, "signer": FIRM, "reason": "Pas maintenant."}
    event = parse_webhook(body(envelope("signature_request.declined", data)))
    assert event.reason == "Pas maintenant."
    assert event.signer_email == "marc@cabinet.example.fr"


@pytest.mark.parametrize("status", ["expired", "canceled"])
def test_signature_request_expired_or_canceled(status: str) -> None:
    event = parse_webhook(
        body(
            envelope(
                f"signature_request.{status}", {"signature_request": request_with(status=status)}
            )
        )
    )
    assert event.event_name == f"signature_request.{status}"
    assert event.signature_request_id == REQUEST_ID
    assert event.signature_request_status == status
    assert event.reason is None


@pytest.mark.parametrize(
    ("event_name", "with_signer"),
    [
        ("signature_request.activated", False),
        ("signature_request.reminder_executed", False),
        ("signer.notified", True),
        ("signer.link_opened", True),
    ],
)
def test_events_sceau_does_not_act_on_still_parse(event_name: str, with_signer: bool) -> None:
    data: dict[str, Any] = {"signature_request": request_with()}
    if with_signer:
        data["signer"] = FIRM
    event = parse_webhook(body(envelope(event_name, data)))
    assert event.event_name == event_name
    assert event.signature_request_id == REQUEST_ID


def test_unknown_fields_are_ignored_at_every_level() -> None:
    plain = envelope("signer.done", {"signature_request": request_with(), "signer": CLIENT})
    rich = copy.deepcopy(plain)
    rich["api_version"] = "v3.7"
    rich["data"]["workspace"] = {"id": "w", "name": "Cabinet"}
    rich["data"]["signature_request"]["custom_properties"] = [{"key": "k", "value": "v"}]
    rich["data"]["signature_request"]["metadata"] = {"nested": {"deeper": [1, 2, 3]}}
    rich["data"]["signer"]["identity_verification"] = {"status": "verified"}
    rich["data"]["signer"]["info"]["title"] = "Gérante"
    assert parse_webhook(body(rich)) == parse_webhook(body(plain))


def test_a_body_in_readable_utf8_parses_the_same() -> None:
    payload = envelope("signer.done", {"signature_request": request_with(), "signer": CLIENT})
    utf8 = json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8")
    assert parse_webhook(utf8) == parse_webhook(body(payload))


def test_null_optional_fields_read_as_absent() -> None:
    bare = request_with(external_id=None, decline_information=None, status=None)
    event = parse_webhook(body(envelope("signature_request.done", {"signature_request": bare})))
    assert event.external_id is None
    assert event.reason is None
    assert event.signature_request_status is None


# --------------------------------------------------------------------------- other resources


ELECTRONIC_SEAL = {
    "id": "3f2e1d0c-9b8a-4765-8a4b-3c2d1e0f9a8b",
    "status": "done",
    "document_id": "6b5a4938-2716-4054-9f3e-2d1c0b9a8f7e",
    "signature_level": "advanced_electronic_signature",
    "external_id": None,
    "created_at": "2025-01-10T16:59:20+00:00",
}


@pytest.mark.parametrize(
    ("event_name", "data"),
    [
        ("electronic_seal.done", {"electronic_seal": ELECTRONIC_SEAL}),
        ("electronic_seal.error", {"electronic_seal": dict(ELECTRONIC_SEAL, status="error")}),
        ("workspace.future_event", {"workspace": {"id": "w"}}),
        ("signature_request.future_event", {}),
        ("signature_request.future_event", {"signature_request": None}),
    ],
)
def test_an_event_without_a_signature_request_is_returned_not_rejected(
    event_name: str, data: dict[str, Any]
) -> None:
    event = parse_webhook(body(envelope(event_name, data)))
    assert event.event_id == "d09f0367-d80a-409c-a2ed-7083991fc564"
    assert event.event_name == event_name
    assert event.signature_request_id is None
    assert event.external_id is None
    assert event.signer_email is None


# --------------------------------------------------------------------------- not webhooks


def _without(key: str) -> bytes:
    payload = envelope("signer.done", {"signature_request": request_with(), "signer": CLIENT})
    del payload[key]
    return body(payload)


def _request_as(value: Any) -> bytes:
    return body(envelope("signature_request.done", {"signature_request": value}))


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"not json", id="not-json"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
        pytest.param(b"[]", id="array"),
        pytest.param(_without("event_id"), id="no-event-id"),
        pytest.param(_without("event_name"), id="no-event-name"),
        pytest.param(_without("data"), id="no-data"),
        pytest.param(body(envelope("signer.done", [])), id="data-not-object"),
        pytest.param(body(dict(envelope("signer.done", {}), event_id=3)), id="event-id-number"),
        pytest.param(_request_as("b9bf5521"), id="request-not-object"),
        pytest.param(_request_as({}), id="request-without-id"),
        pytest.param(_request_as(request_with(id=17)), id="request-id-number"),
        pytest.param(_request_as(request_with(id="")), id="request-id-empty"),
    ],
)
def test_what_is_not_a_yousign_webhook_is_rejected(raw: bytes) -> None:
    with pytest.raises(ValueError):
        parse_webhook(raw)
