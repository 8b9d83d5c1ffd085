"""The staff's home page: what waits for the firm today, each part in one or two queries.

Read-only; the functions take a ``Session`` and run in a worker thread (``reading``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select as select_columns
from sqlmodel import Session, col, func, or_, select

from domain.enums import MissionStatus, ServiceRequestStatus, WorkKind, WorkStatus
from domain.models import (
    Amendment,
    Client,
    Mission,
    Service,
    ServiceRequest,
    SignatureRequest,
    WorkItem,
)

# The home page lists what falls due within this many days, and counts what is overdue.
DUE_WINDOW_DAYS = 7
# An amendment's status while its letter is out for signature (workflows/amendments.py).
AMENDMENT_AWAITING_SIGNATURE = "awaiting_signature"
# A page lists at most this many of each; the client pages hold the rest.
LIMIT = 50


@dataclass(frozen=True)
class RequestToReview:
    id: str
    client_id: str
    client_name: str
    services: list[str]
    message: str
    created_at: datetime


@dataclass(frozen=True)
class StatusCount:
    status: MissionStatus
    count: int


@dataclass(frozen=True)
class AwaitingSignature:
    mission_id: str
    mission_name: str
    client_id: str
    client_name: str
    since: datetime
    reminders: int
    signed: int
    signers: int
    # "Avenant n° N" when the letter out for signature is an amendment's; None for the
    # mission's own letter.
    amendment_number: int | None = None


@dataclass(frozen=True)
class DueWork:
    id: str
    kind: WorkKind
    title: str
    due_date: date
    mission_id: str
    mission_name: str
    client_id: str
    client_name: str


@dataclass(frozen=True)
class Home:
    requests: list[RequestToReview]
    statuses: list[StatusCount]
    awaiting_signature: list[AwaitingSignature]
    due_work: list[DueWork]
    overdue: int


def requests_to_review(session: Session, firm_id: str) -> list[RequestToReview]:
    """Open service requests, oldest first, with their services' names (two queries)."""
    rows = session.exec(
        select(ServiceRequest, Client.name)
        .join(Client, col(Client.id) == col(ServiceRequest.client_id))
        .where(
            ServiceRequest.firm_id == firm_id,
            ServiceRequest.status == ServiceRequestStatus.open,
        )
        .order_by(col(ServiceRequest.created_at))
        .limit(LIMIT)
    ).all()
    wanted = {service_id for request, _ in rows for service_id in request.service_ids}
    names = service_names(session, firm_id, wanted)
    return [
        RequestToReview(
            id=request.id,
            client_id=request.client_id,
            client_name=client_name,
            services=[names.get(service_id, service_id) for service_id in request.service_ids],
            message=request.message,
            created_at=request.created_at,
        )
        for request, client_name in rows
    ]


def service_names(session: Session, firm_id: str, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    found = session.exec(
        select(Service.id, Service.name).where(Service.firm_id == firm_id, col(Service.id).in_(ids))
    )
    return dict(found.all())


def missions_by_status(session: Session, firm_id: str) -> list[StatusCount]:
    """How many missions the firm has in each status, in the life cycle's order (one query)."""
    counts = dict(
        session.exec(
            select(Mission.status, func.count())
            .where(Mission.firm_id == firm_id)
            .group_by(col(Mission.status))
        ).all()
    )
    return [
        StatusCount(status, counts[status]) for status in MissionStatus if counts.get(status, 0)
    ]


def awaiting_signature(session: Session, firm_id: str) -> list[AwaitingSignature]:
    """Letters sent and not yet signed, the missions' and their amendments': since when, and
    the reminders sent (one query).

    An amendment's letter goes out through its own signature request
    (``Amendment.signature_id``) while the mission stays active: the same query finds it."""
    rows = session.execute(
        select_columns(
            col(Mission.id),
            col(Mission.name),
            col(Mission.client_id),
            col(Client.name),
            col(SignatureRequest.letter_version),
            col(SignatureRequest.created_at),
            col(SignatureRequest.signers),
            col(Amendment.number),
            col(Amendment.status),
        )
        .select_from(SignatureRequest)
        .join(Mission, col(Mission.id) == col(SignatureRequest.mission_id))
        .join(Client, col(Client.id) == col(Mission.client_id))
        .outerjoin(Amendment, col(Amendment.signature_id) == col(SignatureRequest.id))
        .where(
            col(Mission.firm_id) == firm_id,
            or_(
                col(Mission.status) == MissionStatus.awaiting_signature,
                col(Amendment.status) == AMENDMENT_AWAITING_SIGNATURE,
            ),
        )
    ).all()
    # A mission's latest letter is the one out for signature.
    latest: dict[str, tuple[int, AwaitingSignature]] = {}
    amendments: list[AwaitingSignature] = []
    for (
        mission_id,
        name,
        client_id,
        client_name,
        version,
        since,
        signers,
        amendment_number,
        amendment_status,
    ) in rows:
        item = AwaitingSignature(
            mission_id=mission_id,
            mission_name=name,
            client_id=client_id,
            client_name=client_name,
            since=since,
            reminders=max((int(s.get("reminders", 0)) for s in signers), default=0),
            signed=sum(1 for s in signers if s.get("status") == "signed"),
            signers=len(signers),
            amendment_number=amendment_number,
        )
        if amendment_number is not None:
            if amendment_status == AMENDMENT_AWAITING_SIGNATURE:
                amendments.append(item)
            continue
        known = latest.get(mission_id)
        if known is not None and known[0] > version:
            continue
        latest[mission_id] = (version, item)
    found = [item for _, item in latest.values()] + amendments
    return sorted(found, key=lambda item: item.since)[:LIMIT]


def due_work(session: Session, firm_id: str, today: date) -> list[DueWork]:
    """Open tasks and information requests due from today to a week ahead (one query)."""
    horizon = today + timedelta(days=DUE_WINDOW_DAYS)
    rows = session.execute(
        select_columns(
            col(WorkItem.id),
            col(WorkItem.kind),
            col(WorkItem.title),
            col(WorkItem.due_date),
            col(WorkItem.mission_id),
            col(Mission.name),
            col(WorkItem.client_id),
            col(Client.name),
        )
        .join(Mission, col(Mission.id) == col(WorkItem.mission_id))
        .join(Client, col(Client.id) == col(WorkItem.client_id))
        .where(
            col(WorkItem.firm_id) == firm_id,
            col(WorkItem.status) == WorkStatus.open,
            col(WorkItem.due_date) >= today,
            col(WorkItem.due_date) <= horizon,
        )
        .order_by(col(WorkItem.due_date), col(WorkItem.key))
        .limit(LIMIT)
    ).all()
    return [
        DueWork(
            id=item_id,
            kind=WorkKind(kind),
            title=title,
            due_date=due_date,
            mission_id=mission_id,
            mission_name=mission_name,
            client_id=client_id,
            client_name=client_name,
        )
        for item_id, kind, title, due_date, mission_id, mission_name, client_id, client_name in rows
    ]


def overdue_count(session: Session, firm_id: str, today: date) -> int:
    """How many open tasks and information requests are past their due date (one query)."""
    return session.exec(
        select(func.count()).where(
            WorkItem.firm_id == firm_id,
            WorkItem.status == WorkStatus.open,
            col(WorkItem.due_date) < today,
        )
    ).one()


def home(session: Session, firm_id: str, today: date) -> Home:
    return Home(
        requests=requests_to_review(session, firm_id),
        statuses=missions_by_status(session, firm_id),
        awaiting_signature=awaiting_signature(session, firm_id),
        due_work=due_work(session, firm_id, today),
        overdue=overdue_count(session, firm_id, today),
    )
