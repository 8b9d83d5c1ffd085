"""The local Yousign v3 stand-in: the API subset Sceau calls, plus the signer's side.

Differences from the real Yousign that matter to Sceau:

* ``POST /v3/signature_requests`` with an ``external_id`` already used returns that request
  (200) instead of creating a second one. Real Yousign always creates; Sceau's client
  therefore looks the external id up first, which works against both.
* ``/signer/{id}?signer_id=...`` (each signer's ``signature_link``) is the signer's page:
  the PDF, "Signer" and "Refuser"; ``/signer/{id}/sign`` and ``/signer/{id}/decline`` do the
  same as JSON controls for tests; ``/_admin/...`` simulates expiry and injects faults.
* No e-mails or OTPs: reminders are counted and logged in the audit trail, signature fields
  are checked (document, page) and kept but not drawn; the "signed" PDF is the original
  pages followed by a signature page; documents are only accepted as PDF.

The modules, by concern: ``state`` (what the routes share, on ``app.state.provider``),
``store`` (JSON files), ``bodies`` (request bodies), ``views`` (response shapes),
``errors``, ``receipts`` (signed PDF, audit trail), ``webhooks`` and ``signing`` (delivery,
HMAC), ``signer_actions`` (signing and declining, for the page and the JSON controls alike),
``signer_page`` and ``templates/`` (the signer's page), ``form_tokens`` (its forms' token),
``routes/`` (one module per group of endpoints).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from signature_provider.config import ProviderConfig
from signature_provider.errors import install_error_handlers
from signature_provider.routes import admin, signer_page, signer_side, yousign_api
from signature_provider.state import ProviderState


def create_app(config: ProviderConfig) -> FastAPI:
    """The provider's ASGI app, keeping its state under ``config.data_dir``."""
    state = ProviderState.open(config)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await state.dispatcher.start()
        try:
            yield
        finally:
            await state.dispatcher.stop()

    app = FastAPI(
        title="Sceau local signature provider (Yousign v3 subset)",
        version="1.0",
        lifespan=lifespan,
    )
    app.state.provider = state
    install_error_handlers(app)
    app.include_router(yousign_api.router)
    app.include_router(signer_side.router)
    app.include_router(signer_page.router)
    app.include_router(admin.router)
    return app
