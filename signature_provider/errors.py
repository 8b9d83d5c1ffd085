"""Errors answered as Yousign answers them: ``{"type": ..., "detail": ...}``.

``message`` repeats ``detail`` for generic clients; validation errors add ``invalid_params``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class ApiError(Exception):
    """An error answered with ``status`` and Yousign's error body."""

    def __init__(self, status: int, type_: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.type = type_
        self.detail = detail


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found.")


def invalid_request(detail: str) -> ApiError:
    return ApiError(400, "invalid_request_error", detail)


def conflict(detail: str) -> ApiError:
    return ApiError(409, "conflict", detail)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


def _error_body(type_: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"type": type_, "detail": detail, "message": detail, **extra}


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(_error_body(exc.type, exc.detail), status_code=exc.status)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    params = [
        {
            "name": ".".join(str(p) for p in err.get("loc", ()) if p != "body"),
            "reason": str(err.get("msg", "invalid")).removeprefix("Value error, "),
        }
        for err in exc.errors()
    ]
    detail = "; ".join(f"{p['name']}: {p['reason']}" for p in params) or "Invalid request."
    return JSONResponse(
        _error_body("invalid_request_error", detail, invalid_params=params), status_code=400
    )


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    type_ = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return JSONResponse(_error_body(type_, str(exc.detail)), status_code=exc.status_code)
