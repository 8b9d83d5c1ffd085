"""The staff's home page (/app/): what waits for the firm today."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.services.home import DUE_WINDOW_DAYS, home
from api.services.sessions import reading
from web.auth import StaffPage
from web.staff.pages import page

router = APIRouter()


@router.get("/app/")
async def staff_home(request: Request, visitor: StaffPage) -> Response:
    today = datetime.now(UTC).date()
    found = await reading(partial(home, firm_id=visitor.firm_id, today=today))
    return page(request, "staff/home.html", home=found, window=DUE_WINDOW_DAYS)
