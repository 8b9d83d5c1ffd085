"""The provider's own webhook signature, written from Yousign's documentation.

Yousign signs each webhook with the subscription's secret key: an HMAC-SHA256 of the raw
request body, hex-encoded and prefixed with ``sha256=``, sent in ``X-Yousign-Signature-256``.
This module shares no code with Sceau's verifier (``esignature/webhook_signing.py``) on purpose:
a format mistake on one side must show up as a failed verification on the other.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Yousign-Signature-256"


def signature_header_value(secret: str, body: bytes) -> str:
    """The ``X-Yousign-Signature-256`` value for ``body``: ``sha256=<hex HMAC-SHA256>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
