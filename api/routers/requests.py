"""Clients' service requests: asked from the portal, adjusted by the firm."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlmodel import Session, col, select

from api import gateway
from api.deps import DbSession, FirmStaff, PortalClient, Temporal, firm_row
from api.errors import ApiError, invalid
from api.idempotency import IdempotencyKeyHeader, mark_replayed, once
from api.schemas import ServiceRequestIn, ServiceRequestOut, ServiceRequestPatch
from domain.enums import ServiceRequestStatus
from domain.models import Service, ServiceRequest, new_id
from workflows.messages import MissionStart, RequestOpened
from workflows.mission import MissionWorkflow

router = APIRouter(prefix="/v1", tags=["service requests"])


def check_services(session: Session, firm_id: str, service_ids: list[str]) -> list[str]:
    unique = list(dict.fromkeys(service_ids))
    known = set(
        session.exec(
            select(Service.id).where(Service.firm_id == firm_id, col(Service.id).in_(unique))
        )
    )
    unknown = [service_id for service_id in unique if service_id not in known]
    if unknown:
        raise invalid(f"unknown services: {', '.join(unknown)}", {"unknown": unknown})
    return unique


@router.post("/portal/service-requests", status_code=201, response_model=ServiceRequestOut)
async def ask_for_services(
    body: ServiceRequestIn,
    session: DbSession,
    client: PortalClient,
    temporal: Temporal,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ServiceRequestOut:
    client_id = client.client_id
    assert client_id is not None
    service_ids = check_services(session, client.firm, body.service_ids)

    def write(request_id: str) -> None:
        session.add(
            ServiceRequest(
                id=request_id,
                firm_id=client.firm,
                client_id=client_id,
                portal_user_id=client.portal_user_id,
                service_ids=service_ids,
                message=body.message,
                mission_id=new_id("mis"),
            )
        )

    claimed = once(
        session,
        client,
        "service-requests.create",
        idempotency_key,
        body,
        new_id("req"),
        write,
    )
    if claimed.replay:
        mark_replayed(response)
    request = session.get(ServiceRequest, claimed.resource_id)
    assert request is not None
    # A replay starts the workflow too, in case the first request stopped before it did.
    if request.status == ServiceRequestStatus.open:
        await gateway.update_with_start(
            temporal,
            MissionWorkflow.open_request,
            RequestOpened(by=client.name, service_request_id=request.id),
            MissionStart(request.mission_id, client.firm, client_id, request.id),
        )
    return ServiceRequestOut(**request.model_dump())


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
