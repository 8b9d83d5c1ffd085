"""The FastAPI application."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from anyio import to_thread
from fastapi import FastAPI

from api.errors import install_error_handlers
from api.limits import LimitBody
from api.observability import SLOW_CALLBACKS, install_observability
from api.routers import (
    audit,
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
from api.schemas import ErrorOut
from domain.logs import configure_logging
from domain.loop_watch import share_the_gil_in_short_turns, watch_callbacks
from domain.settings import get_settings
from domain.temporal import connect

log = logging.getLogger("sceau.api")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    configure_logging(settings, "api")
    # FastAPI builds each route's handler on its first request, on the event loop (~10-100 ms
    # a route): build them all now, before the first caller waits behind it.
    app.openapi()
    # Database steps run in threads, and every thread wants the GIL: the event loop waits for
    # its turn behind each. Fewer threads and shorter turns keep that wait far under 100 ms.
    to_thread.current_default_thread_limiter().total_tokens = settings.api_threads
    share_the_gil_in_short_turns()
    watch_callbacks(settings.loop_lag_warn_ms, SLOW_CALLBACKS.observe)
    try:
        app.state.temporal = await connect()
    except Exception as error:  # reads still work; the first mission move retries the connection
        log.warning("Temporal is not reachable yet: %s", error)
        app.state.temporal = None
    yield


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in (
        (401, "No token, or an unknown, revoked or expired one"),
        (403, "The token's role may not do this"),
        (404, "Not found, or another firm's or client's"),
        (409, "Conflicts with the current state"),
        (422, "Invalid request"),
    )
}


def create_app() -> FastAPI:
    app = FastAPI(
        title="Sceau",
        version="0.1.0",
        description="Engagement letters (lettres de mission) for accounting firms.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(LimitBody)
    install_observability(app)
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
        audit,
        webhooks,
    ):
        # The uniform error body, documented where FastAPI would document its own 422.
        errors = {} if module is health else ERROR_RESPONSES
        app.include_router(module.router, responses=errors)
    return app


app = create_app()
