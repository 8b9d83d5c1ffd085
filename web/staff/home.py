"""The staff's home page (/app/)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from web.auth import StaffPage
from web.templating import render

router = APIRouter()


@router.get("/app/")
async def staff_home(request: Request, visitor: StaffPage) -> Response:
    return render(request, "staff/home.html")
