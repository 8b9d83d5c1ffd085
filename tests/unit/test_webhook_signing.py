"""Webhook signatures (domain.webhook_signing) and the webhook parser of the Yousign client."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from activities.signature_client import parse_webhook
from domain.webhook_signing import HEADER, sign, verify

SECRET = "whsec-unit-test"
BODY = json.dumps(
    {
        "event_name": "signature_request.done",
        "data": {"name": "Lettre de mission — Société Éclair"},
    },
    ensure_ascii=False,
).encode("utf-8")


def test_header_name_is_yousigns() -> None:
    assert HEADER == "X-Yousign-Signature-256"


def test_sign_is_prefixed_hex_hmac_sha256() -> None:
    expected = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, BODY) == f"sha256={expected}"


def test_verify_accepts_a_good_signature() -> None:
    assert verify(SECRET, BODY, sign(SECRET, BODY))


def test_verify_rejects_a_tampered_body() -> None:
    header = sign(SECRET, BODY)
    assert not verify(SECRET, BODY.replace(b"done", b"dune"), header)
    assert not verify(SECRET, BODY + b" ", header)


def test_verify_rejects_another_secret() -> None:
    assert not verify("another-secret", BODY, sign(SECRET, BODY))


@pytest.mark.parametrize("header", [None, "", "sha256=", "garbage", "sha256=zz", "sha256=é"])
def test_verify_rejects_missing_or_malformed_headers(header: str | None) -> None:
    assert not verify(SECRET, BODY, header)


def test_verify_rejects_the_bare_digest_without_prefix() -> None:
    assert not verify(SECRET, BODY, sign(SECRET, BODY).removeprefix("sha256="))


def test_verify_never_accepts_an_empty_secret() -> None:
    assert not verify("", BODY, sign("", BODY))


def _payload(**data: object) -> bytes:
    return json.dumps(
        {
            "event_id": "0b3c1f0e-2f4e-4a51-9d6c-1c0d3e2f4a5b",
            "event_name": "signature_request.declined",
            "event_time": "1732750000",
            "subscription_id": "7a9f6b3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
            "sandbox": True,
            "data": data,
        }
    ).encode()


def test_parse_webhook_reads_the_fields_sceau_needs() -> None:
    event = parse_webhook(
        _payload(
            signature_request={"id": "sr-1", "status": "declined", "external_id": "mission-7"},
            signer={"id": "sg-1", "info": {"email": "client@example.fr"}},
            reason="Honoraires trop élevés",
        )
    )
    assert event.event_id == "0b3c1f0e-2f4e-4a51-9d6c-1c0d3e2f4a5b"
    assert event.event_name == "signature_request.declined"
    assert event.signature_request_id == "sr-1"
    assert event.external_id == "mission-7"
    assert event.reason == "Honoraires trop élevés"
    assert event.signer_email == "client@example.fr"
    assert event.signer_id == "sg-1"
    assert event.signature_request_status == "declined"


def test_parse_webhook_takes_the_reason_from_decline_information() -> None:
    event = parse_webhook(
        _payload(signature_request={"id": "sr-1", "decline_information": {"reason": "Non"}})
    )
    assert event.reason == "Non"
    assert event.external_id is None
    assert event.signer_email is None


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b'{"event_id": "e", "event_name": "x"}',
        b'{"event_id": "e", "event_name": "x", "data": {}}',
        b'{"event_id": "e", "event_name": "x", "data": {"signature_request": {}}}',
        b'{"event_name": "x", "data": {"signature_request": {"id": "sr"}}}',
        b'{"event_id": 3, "event_name": "x", "data": {"signature_request": {"id": "sr"}}}',
        b"\xff\xfe",
    ],
)
def test_parse_webhook_rejects_malformed_payloads(body: bytes) -> None:
    with pytest.raises(ValueError):
        parse_webhook(body)
