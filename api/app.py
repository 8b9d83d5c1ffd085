"""The FastAPI application."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

from api.errors import install_error_handlers
from api.limits import LimitBody
from api.observability import SLOW_CALLBACKS, install_observability
from api.routers import (
    amendments,
    audit,
    catalogue,
    clients,
    dev_mail,
    documents,
    general_conditions,
    health,
    invitations,
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
from domain.payloads import build_message_schemas
from domain.settings import get_settings
from domain.temporal import connect
from web.app import install_web

log = logging.getLogger("sceau.api")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    configure_logging(settings, "api")
    # FastAPI builds each route's handler on its first request, on the event loop (~10-100 ms
    # a route): build them all now, before the first caller waits behind it.
    app.openapi()
    build_message_schemas()
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
    provider = getattr(app.state, "yousign", None)  # the pages' (web/client/signing.py)
    if provider is not None:
        await provider.aclose()


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


# Swagger UI's and ReDoc's files as the pinned fastapi-offline package ships them (its only
# dependency is FastAPI): /docs and /redoc load nothing from another host, so they work on a
# machine without internet access.
DOCS_ASSETS = Path(str(files("fastapi_offline") / "static"))
DOCS_ASSETS_URL = "/docs-assets"


def operation_id(route: APIRoute) -> str:
    """Each operation's id is its endpoint function's name (`create_mission`): stable, and the
    name of its function in a client generated from /openapi.json. Names are unique across
    the routers (tests/unit/test_api_docs.py)."""
    return route.name


def install_docs(app: FastAPI) -> None:
    """/docs (Swagger UI) and /redoc from the assets installed with Sceau, not from a CDN."""
    app.mount(DOCS_ASSETS_URL, StaticFiles(directory=DOCS_ASSETS), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    redirect_url = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"

    async def swagger_ui_html(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=root + redirect_url,
            swagger_js_url=f"{root}{DOCS_ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS_URL}/favicon.png",
            # Swagger UI would otherwise hand the schema's address to an online validator.
            swagger_ui_parameters={"validatorUrl": None},
        )

    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def redoc_html(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{DOCS_ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{DOCS_ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )

    app.add_api_route("/docs", swagger_ui_html, methods=["GET"], include_in_schema=False)
    app.add_api_route(redirect_url, swagger_ui_redirect, methods=["GET"], include_in_schema=False)
    app.add_api_route("/redoc", redoc_html, methods=["GET"], include_in_schema=False)


def create_app() -> FastAPI:
    app = FastAPI(
        title="Sceau",
        version="0.1.0",
        description="Engagement letters (lettres de mission) for accounting firms.",
        lifespan=lifespan,
        # Served by install_docs from local files instead of FastAPI's CDN-loading pages.
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=operation_id,
    )
    install_docs(app)
    install_error_handlers(app)
    app.add_middleware(LimitBody)
    install_observability(app)
    for module in (
        health,
        platform,
        invitations,
        catalogue,
        letter_templates,
        general_conditions,
        clients,
        documents,
        requests,
        missions,
        amendments,
        work,
        audit,
        webhooks,
        dev_mail,
    ):
        # The uniform error body, documented where FastAPI would document its own 422.
        errors = {} if module is health else ERROR_RESPONSES
        app.include_router(module.router, responses=errors)
    # The pages for people (/app/, /client/, /static/): after the API's error handlers,
    # which they extend.
    install_web(app)
    return app


app = create_app()
