"""The /v3 router: the Yousign v3 subset Sceau calls, behind the API key.

Injected faults (``POST /_admin/faults``) are taken here, before the API key is checked, so
they also hit calls with a wrong key.
"""

from __future__ import annotations

import asyncio
import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Header

from signature_provider.errors import ApiError
from signature_provider.routes import documents, signature_requests, signers
from signature_provider.state import State


async def authenticate(state: State, authorization: Annotated[str | None, Header()] = None) -> None:
    fault = state.next_fault()
    if fault is not None:
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.status:
            raise ApiError(fault.status, "server_error", "Injected fault.")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.strip().encode("utf-8"), state.config.api_key.encode("utf-8")
    ):
        raise ApiError(401, "unauthorized", "Missing or invalid API key.")


router = APIRouter(prefix="/v3", dependencies=[Depends(authenticate)])
router.include_router(signature_requests.router)
router.include_router(documents.router)
router.include_router(signers.router)
