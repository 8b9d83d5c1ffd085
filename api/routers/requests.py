"""Clients' service requests: asked from the portal, adjusted by the firm."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlmodel import col, select

from api.deps import DbSession, FirmStaff, PortalClient, Temporal, firm_row
from api.errors import ApiError
from api.idempotency import IdempotencyKeyHeader, mark_replayed
from api.schemas import ServiceRequestIn, ServiceRequestOut, ServiceRequestPatch
from api.services import requests as service_requests
from api.services.requests import check_services
from domain.enums import ServiceRequestStatus
from domain.models import ServiceRequest

router = APIRouter(prefix="/v1", tags=["service requests"])


@router.post("/portal/service-requests", status_code=201, response_model=ServiceRequestOut)
async def ask_for_services(
    body: ServiceRequestIn,
    client: PortalClient,
    temporal: Temporal,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ServiceRequestOut:
    request, replay = await service_requests.ask(temporal, client, body, idempotency_key)
    if replay:
        mark_replayed(response)
    return request


@router.get("/service-requests", response_model=list[ServiceRequestOut])
def list_requests(session: DbSession, staff: FirmStaff) -> list[ServiceRequestOut]:
    found = session.exec(
        select(ServiceRequest)
        .where(ServiceRequest.firm_id == staff.firm)
        .order_by(col(ServiceRequest.created_at))
    )
    return [ServiceRequestOut(**request.model_dump()) for request in found]


@router.get("/service-requests/{request_id}", response_model=ServiceRequestOut)
def get_request(request_id: str, session: DbSession, staff: FirmStaff) -> ServiceRequestOut:
    return ServiceRequestOut(
        **firm_row(session, ServiceRequest, staff.firm, request_id, "service request").model_dump()
    )


@router.patch("/service-requests/{request_id}", response_model=ServiceRequestOut)
def adjust_request(
    request_id: str, body: ServiceRequestPatch, session: DbSession, staff: FirmStaff
) -> ServiceRequestOut:
    request = firm_row(session, ServiceRequest, staff.firm, request_id, "service request")
    if request.status != ServiceRequestStatus.open:
        raise ApiError(409, "conflict", "the request is already a mission")
    request.service_ids = check_services(session, staff.firm, body.service_ids)
    session.flush()
    return ServiceRequestOut(**request.model_dump())
