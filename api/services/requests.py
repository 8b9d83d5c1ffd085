"""Clients' service requests: checked against the firm's catalogue, then handed to a workflow."""

from __future__ import annotations

from functools import partial

from sqlmodel import Session, col, select
from temporalio.client import Client as TemporalClient

from api import gateway
from api.deps import Caller
from api.errors import invalid
from api.idempotency import once
from api.schemas import ServiceRequestIn, ServiceRequestOut
from api.services.sessions import in_session
from contracts.messages import MissionStart, RequestOpened
from domain.enums import ServiceRequestStatus
from domain.models import Service, ServiceRequest, new_id
from workflows.mission import MissionWorkflow


def check_services(session: Session, firm_id: str, service_ids: list[str]) -> list[str]:
    """The ids once each, in order; 422 naming any the firm's catalogue does not hold."""
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


def _claim(
    session: Session, client: Caller, body: ServiceRequestIn, idempotency_key: str | None
) -> tuple[ServiceRequest, bool]:
    """The request, stored once per key (runs in a worker thread), and whether it was there."""
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
        session, client, "service-requests.create", idempotency_key, body, new_id("req"), write
    )
    request = session.get(ServiceRequest, claimed.resource_id)
    assert request is not None
    return request, claimed.replay


async def ask(
    temporal: TemporalClient, client: Caller, body: ServiceRequestIn, idempotency_key: str | None
) -> tuple[ServiceRequestOut, bool]:
    """The request the client asked for, and whether an earlier request with its key made it."""
    client_id = client.client_id
    assert client_id is not None
    claim = partial(_claim, client=client, body=body, idempotency_key=idempotency_key)
    request, replay = await in_session(claim, actor=client.actor)
    # A replay starts the workflow too, in case the first request stopped before it did.
    if request.status == ServiceRequestStatus.open:
        await gateway.update_with_start(
            temporal,
            MissionWorkflow.open_request,
            RequestOpened(by=client.name, service_request_id=request.id),
            MissionStart(request.mission_id, client.firm, client_id, request.id),
        )
    return ServiceRequestOut(**request.model_dump()), replay
