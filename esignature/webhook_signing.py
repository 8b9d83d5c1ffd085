"""HMAC-SHA256 signatures of webhook bodies, as Yousign sends them.

The header value is ``sha256=<hex digest>`` computed over the raw request body with the
webhook secret as key (Yousign's ``X-Yousign-Signature-256``). Always verify the bytes
received, never a re-serialised JSON document.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-Yousign-Signature-256"
PREFIX = "sha256="


def sign(secret: str, body: bytes) -> str:
    """The header value for ``body``: ``"sha256=<hex HMAC-SHA256>"``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return PREFIX + digest


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is the signature of ``body`` under ``secret`` (constant time).

    A missing or empty header, or an empty secret, never verifies.
    """
    if not header or not secret:
        return False
    expected = sign(secret, body)
    # Compare as bytes: compare_digest rejects non-ASCII str, and a header may carry anything.
    return hmac.compare_digest(expected.encode("ascii"), header.strip().encode("utf-8"))
