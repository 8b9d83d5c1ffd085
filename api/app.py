"""The FastAPI application."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.routers import (
    catalogue,
    clients,
    documents,
    health,
    letter_templates,
    missions,
    platform,
    requests,
    webhooks,
    work,
)
from domain.temporal import connect

log = logging.getLogger("sceau.api")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    try:
        app.state.temporal = await connect()
    except Exception as error:  # reads still work; the first mission move retries the connection
        log.warning("Temporal is not reachable yet: %s", error)
        app.state.temporal = None
    yield


def create_app() -> FastAPI:
    app = FastAPI(
        title="Sceau",
        version="0.1.0",
        description="Engagement letters (lettres de mission) for accounting firms.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    for module in (
        health,
        platform,
        catalogue,
        letter_templates,
        clients,
        documents,
        requests,
        missions,
        work,
        webhooks,
    ):
        app.include_router(module.router)
    return app


app = create_app()
