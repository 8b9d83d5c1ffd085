"""Refuse a request body larger than any upload may be, before it is received."""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import error_body
from domain.settings import get_settings

# Room for the multipart envelope around the largest file.
MULTIPART_OVERHEAD = 64 * 1024


class LimitBody:
    """A declared Content-Length past the largest accepted upload answers 413 at once, so a
    huge body is never spooled to disk. The handlers still cap what they read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            settings = get_settings()
            limit = max(settings.template_max_bytes, settings.upload_max_bytes)
            length = dict(scope["headers"]).get(b"content-length", b"")
            if length.isdigit() and int(length) > limit + MULTIPART_OVERHEAD:
                answer = JSONResponse(
                    error_body(
                        "too_large", f"a request body is at most {limit / (1024 * 1024):g} MiB"
                    ),
                    status_code=413,
                )
                return await answer(scope, receive, send)
        await self.app(scope, receive, send)
