"""A client's service request: the firm adjusts its services, then creates the mission."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlmodel import Session, col, select
from starlette.responses import Response

from api.deps import Caller, firm_row
from api.routers.requests import adjust_request
from api.schemas import ServiceRequestPatch
from api.services.sessions import in_session, reading
from domain.models import Client, Service, ServiceRequest
from web.auth import StaffPage
from web.errors import PageError
from web.staff.pages import back_to, page, page_errors

router = APIRouter()


@dataclass(frozen=True)
class RequestView:
    request: ServiceRequest
    client: Client
    services: list[Service]


def _view(session: Session, firm_id: str, request_id: str) -> RequestView:
    request = firm_row(session, ServiceRequest, firm_id, request_id, "service request")
    client = session.get(Client, request.client_id)
    assert client is not None
    services = session.exec(
        select(Service).where(Service.firm_id == firm_id).order_by(col(Service.name))
    ).all()
    return RequestView(request, client, list(services))


@router.get("/app/requests/{request_id}")
async def show_request(
    request: Request, visitor: StaffPage, request_id: str, ok: str | None = None
) -> Response:
    with page_errors():
        view = await reading(partial(_view, firm_id=visitor.firm_id, request_id=request_id))
    return page(request, "staff/request.html", view=view, saved=ok == "saved")


def _adjust(session: Session, staff: Caller, request_id: str, service_ids: list[str]) -> None:
    """The API's adjustment (same checks: the firm's open request, its catalogue's services)."""
    try:
        body = ServiceRequestPatch(service_ids=service_ids)
    except ValidationError:
        raise PageError(
            422, "Saisie invalide", "Gardez au moins une prestation dans la demande."
        ) from None
    adjust_request(request_id, body, session, staff)


@router.post("/app/requests/{request_id}")
async def adjust(request: Request, visitor: StaffPage, request_id: str) -> Response:
    chosen = [str(value)[:40] for value in (await request.form()).getlist("service_id")][:100]
    staff = visitor.caller
    with page_errors():
        await in_session(
            partial(_adjust, staff=staff, request_id=request_id, service_ids=chosen),
            actor=staff.actor,
        )
    return back_to(f"/app/requests/{request_id}?ok=saved")
