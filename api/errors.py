"""The uniform error body: ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from domain.account_mail import MailUnavailable
from domain.db import DatabaseBusy
from domain.ged import StorageUnavailable

log = logging.getLogger("sceau.api")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found")


def conflict(message: str) -> ApiError:
    return ApiError(409, "conflict", message)


def invalid(message: str, details: Any = None) -> ApiError:
    return ApiError(422, "invalid_request", message, details)


def too_large(what: str, limit: int) -> ApiError:
    return ApiError(413, "too_large", f"{what} is at most {limit / (1024 * 1024):g} MiB")


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


class RejectNul:
    """Answer a NUL character in the path (404: no id holds one) or the query (422) before any
    route sees it: PostgreSQL cannot compare text with it, so it would otherwise fail as a 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if "\x00" in scope["path"]:
                answer = JSONResponse(error_body("not_found", "no such path"), status_code=404)
                return await answer(scope, receive, send)
            if b"%00" in scope["query_string"] or b"\x00" in scope["query_string"]:
                answer = JSONResponse(
                    error_body("invalid_request", "the query cannot contain NUL characters"),
                    status_code=422,
                )
                return await answer(scope, receive, send)
        await self.app(scope, receive, send)


def _try_again(
    code: str, message: str, seconds: int
) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    async def answer(_: Request, error: Exception) -> JSONResponse:
        log.warning("%s: %s", code, str(error).splitlines()[0] if str(error) else error)
        return JSONResponse(
            error_body(code, f"{message}; try again"),
            status_code=503,
            headers={"Retry-After": str(seconds)},
        )

    return answer


def install_error_handlers(app: FastAPI) -> None:
    app.add_middleware(RejectNul)

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, error: ApiError) -> JSONResponse:
        return JSONResponse(
            error_body(error.code, error.message, error.details), status_code=error.status
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, error: RequestValidationError) -> JSONResponse:
        details = [
            {"loc": list(item.get("loc", ())), "msg": item.get("msg", "")}
            for item in error.errors()
        ]
        message = "; ".join(f"{'.'.join(map(str, d['loc'][1:]))}: {d['msg']}" for d in details)
        return JSONResponse(error_body("invalid_request", message, details), status_code=422)

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, error: IntegrityError) -> JSONResponse:
        # Two requests raced for the same unique value; the second one changed nothing.
        return JSONResponse(
            error_body("conflict", "this conflicts with a record written meanwhile"),
            status_code=409,
        )

    # Passing states, not bugs of the request: 503 with Retry-After tells a caller (the
    # signature provider's webhooks among them) to send it again as it is.
    unavailable: tuple[tuple[tuple[type[Exception], ...], str, str, int], ...] = (
        # The database went away (restart, network).
        (
            (OperationalError, InterfaceError, PoolTimeout),
            "database_unavailable",
            "the database cannot be reached",
            5,
        ),
        # SQLite's write lock stayed taken for seconds: too many writers for one disk. Nothing
        # of the request was written.
        ((DatabaseBusy,), "database_busy", "the database is busy with other writes", 2),
        # The GED's S3 server is down or failing.
        ((StorageUnavailable,), "storage_unavailable", "the document storage cannot be reached", 5),
        # The SMTP server refused or could not be reached (an invitation e-mail).
        ((MailUnavailable,), "mail_unavailable", "the mail server cannot be reached", 30),
    )
    for kinds, code, message, seconds in unavailable:
        answer = _try_again(code, message, seconds)
        for kind in kinds:
            app.add_exception_handler(kind, answer)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=error)
        return JSONResponse(
            error_body("internal", "an unexpected error occurred; it has been logged"),
            status_code=500,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {
            401: "unauthorized",
            404: "not_found",
            405: "method_not_allowed",
            413: "too_large",
        }.get(error.status_code, "http_error")
        return JSONResponse(
            error_body(code, str(error.detail)),
            status_code=error.status_code,
            headers=getattr(error, "headers", None),
        )
