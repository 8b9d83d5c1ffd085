"""Sceau's webhook verifier (esignature.webhook_signing) against signatures it did not make.

The signatures come from the local provider's own code (signature_provider.signing) and from
an HMAC-SHA256 computed here from its definition (RFC 2104), checked against RFC 4231's test
vector. Sceau's own ``sign`` (which the end-to-end tests use to forge callbacks) is only
checked against that independent computation, never used to make what ``verify`` accepts.
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from esignature.webhook_signing import HEADER, sign, verify
from signature_provider.signing import SIGNATURE_HEADER, signature_header_value

ROOT = Path(__file__).resolve().parents[2]
SECRET = "whsec-unit-test"
BODY = json.dumps(
    {
        "event_name": "signature_request.done",
        "data": {"name": "Lettre de mission — Société Éclair"},
    },
    ensure_ascii=False,
).encode("utf-8")


def hmac_sha256_hex(key: bytes, message: bytes) -> str:
    """HMAC-SHA256 written out from RFC 2104, without the hmac module."""
    block = 64
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key) + message).digest()
    return hashlib.sha256(bytes(b ^ 0x5C for b in key) + inner).hexdigest()


def independent_header(secret: str, body: bytes) -> str:
    return "sha256=" + hmac_sha256_hex(secret.encode("utf-8"), body)


def test_the_independent_hmac_matches_rfc_4231() -> None:
    # RFC 4231, test case 2.
    assert hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def test_both_sides_name_yousigns_header() -> None:
    assert HEADER == SIGNATURE_HEADER == "X-Yousign-Signature-256"


def test_the_provider_signs_as_yousign_documents() -> None:
    assert signature_header_value(SECRET, BODY) == independent_header(SECRET, BODY)
    long_secret = "s" * 100  # longer than a SHA-256 block: hashed first
    assert signature_header_value(long_secret, BODY) == independent_header(long_secret, BODY)


@pytest.mark.parametrize("make", [signature_header_value, independent_header])
def test_verify_accepts_a_good_signature(make: Callable[[str, bytes], str]) -> None:
    assert verify(SECRET, BODY, make(SECRET, BODY))


def test_sceaus_own_sign_matches_the_independent_computation() -> None:
    assert sign(SECRET, BODY) == independent_header(SECRET, BODY)


def test_verify_accepts_the_rfc_4231_vector() -> None:
    digest = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert verify("Jefe", b"what do ya want for nothing?", f"sha256={digest}")


def test_verify_tolerates_surrounding_whitespace() -> None:
    assert verify(SECRET, BODY, f"  {signature_header_value(SECRET, BODY)}\t")


def test_verify_rejects_a_tampered_body() -> None:
    header = signature_header_value(SECRET, BODY)
    assert not verify(SECRET, BODY.replace(b"done", b"dune"), header)
    assert not verify(SECRET, BODY + b" ", header)


def test_verify_rejects_a_reserialised_body() -> None:
    """The HMAC covers the bytes received, not the JSON they decode to."""
    header = signature_header_value(SECRET, BODY)
    again = json.dumps(json.loads(BODY)).encode()  # same document, escaped non-ASCII
    assert again != BODY
    assert not verify(SECRET, again, header)


def test_verify_rejects_another_secret() -> None:
    assert not verify("another-secret", BODY, signature_header_value(SECRET, BODY))


@pytest.mark.parametrize("header", [None, "", "sha256=", "garbage", "sha256=zz", "sha256=é"])
def test_verify_rejects_missing_or_malformed_headers(header: str | None) -> None:
    assert not verify(SECRET, BODY, header)


def test_verify_rejects_other_encodings_of_the_right_digest() -> None:
    header = signature_header_value(SECRET, BODY)
    digest = header.removeprefix("sha256=")
    assert not verify(SECRET, BODY, digest)  # no prefix
    assert not verify(SECRET, BODY, "sha1=" + digest)
    assert not verify(SECRET, BODY, "sha256=" + digest[:-1])


def test_verify_never_accepts_an_empty_secret() -> None:
    assert not verify("", BODY, independent_header("", BODY))


def test_the_provider_imports_nothing_of_sceau() -> None:
    """The provider stands for Yousign: sharing Sceau's code would hide format mistakes."""
    sceau = {"domain", "activities", "api", "workflows", "contracts", "documents", "web"}
    found = []
    for path in sorted((ROOT / "signature_provider").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            found += [f"{path.name}: {n}" for n in names if n.split(".")[0] in sceau]
    assert found == []
