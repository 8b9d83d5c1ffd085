"""Caps on request bodies: refused before they are received, and read no further than the cap."""

from __future__ import annotations

from fastapi import UploadFile
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body, too_large
from domain.settings import get_settings

# Room for the multipart envelope around the largest file.
MULTIPART_OVERHEAD = 64 * 1024


class LimitBody:
    """A body past the largest accepted upload answers 413 and is never spooled to disk.

    A declared Content-Length is judged at once; a body without one (chunked) is counted as
    it arrives, since the form parser would otherwise write all of it to a temporary file
    before any handler could look. The handlers still cap what they read (``read_capped``).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = get_settings()
        limit = max(settings.template_max_bytes, settings.upload_max_bytes)
        allowed = limit + MULTIPART_OVERHEAD
        refusal = too_large("a request body", limit)
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > allowed:
            answer = JSONResponse(
                error_body(refusal.code, refusal.message), status_code=refusal.status
            )
            await answer(scope, receive, send)
            return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > allowed:
                    # An HTTPException passes through FastAPI's body parsing untouched and
                    # reaches the uniform error handler (api/errors.py).
                    raise HTTPException(refusal.status, refusal.message)
            return message

        await self.app(scope, counted_receive, send)


async def read_capped(file: UploadFile, max_bytes: int, what: str) -> bytes:
    """The uploaded file's bytes, or 413 once it holds more than ``max_bytes``.

    One byte past the cap is enough to know, so an oversized file is never held in memory.
    """
    data = await file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large(what, max_bytes)
    return data
