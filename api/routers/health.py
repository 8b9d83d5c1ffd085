"""Liveness and readiness."""

from __future__ import annotations

import shutil

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import temporal_client
from domain.db import session_scope
from domain.settings import get_settings

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        with session_scope() as session:
            session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # readiness reports any failure rather than raising it
        checks["database"] = f"error: {error.__class__.__name__}"
    try:
        temporal = await temporal_client(request)
        checks["temporal"] = "ok" if await temporal.service_client.check_health() else "down"
    except Exception as error:
        checks["temporal"] = f"error: {error.__class__.__name__}"
    checks["converter"] = "ok" if shutil.which(get_settings().soffice_path) else "missing"
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)
