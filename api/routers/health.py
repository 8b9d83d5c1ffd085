"""Liveness and readiness."""

from __future__ import annotations

import asyncio
import shutil

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from api.deps import temporal_client
from domain.db import session_scope
from domain.demo import demo_seeded
from domain.settings import Settings, get_settings

router = APIRouter(tags=["health"])

# Each probe's answer within this long, or it counts as failed: /readyz never hangs.
PROBE_TIMEOUT_SECONDS = 2.0


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _database_probe() -> None:
    with session_scope() as session:
        session.execute(text("SELECT 1"))


async def database_check() -> str:
    """The database answers `SELECT 1`, run in the thread pool: the loop never waits on it."""
    try:
        await asyncio.wait_for(run_in_threadpool(_database_probe), PROBE_TIMEOUT_SECONDS)
    except TimeoutError:
        return "error: timeout"
    except Exception as error:  # readiness reports any failure rather than raising it
        return f"error: {error.__class__.__name__}"
    return "ok"


async def temporal_check(request: Request) -> str:
    async def probe() -> bool:
        temporal = await temporal_client(request)
        return await temporal.service_client.check_health()

    try:
        healthy = await asyncio.wait_for(probe(), PROBE_TIMEOUT_SECONDS)
    except TimeoutError:
        return "error: timeout"
    except Exception as error:
        return f"error: {error.__class__.__name__}"
    return "ok" if healthy else "down"


def readiness_checks(settings: Settings) -> dict[str, str]:
    """The checks that need no I/O beyond a file's existence."""
    checks = {"converter": "ok" if shutil.which(settings.soffice_path) else "missing"}
    if settings.demo:
        # `sceau run` seeds the demo firm through this API once it is up: until the seeding
        # has written its last step, requests would race it.
        checks["demo"] = "ok" if demo_seeded(settings) else "seeding"
    return checks


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    settings = get_settings()
    checks: dict[str, str] = {"database": await database_check()}
    checks["temporal"] = await temporal_check(request)
    checks.update(await run_in_threadpool(readiness_checks, settings))
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)
