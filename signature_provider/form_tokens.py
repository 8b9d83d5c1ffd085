"""The token that each signer's page puts in its forms, so that only that page can post them.

A page on another site cannot read the signer's page, so it cannot know the token, and a
cross-site post is refused. The token is an HMAC of the link (request and signer ids) under
the provider's API key: nothing to store, the same for every view of the link, and unknown
to anyone who has not opened it.
"""

from __future__ import annotations

import hashlib
import hmac


def form_token(secret: str, request_id: str, signer_id: str) -> str:
    message = f"signer-page:{request_id}:{signer_id}".encode()
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def token_is_valid(secret: str, request_id: str, signer_id: str, token: str) -> bool:
    expected = form_token(secret, request_id, signer_id)
    return hmac.compare_digest(expected.encode(), token.encode("utf-8", "replace"))
