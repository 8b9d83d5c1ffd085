"""A client's file as the staff's pages show it: the searchable list, and each tab of a client.

Read-only; the functions take a ``Session`` and run in a worker thread (``reading``). Another
firm's client answers 404 exactly as a missing one (``firm_row``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select as select_columns
from sqlmodel import Session, col, func, or_, select

from api.deps import firm_row
from api.services.home import service_names
from domain.enums import Frequency, MissionStatus, WorkKind
from domain.models import (
    AuditEntry,
    Client,
    Document,
    Firm,
    Folder,
    Mission,
    MissionLine,
    PortalUser,
    Representative,
    ServiceRequest,
    Staff,
    WorkItem,
)
from domain.totals import PricedLine, totals_of

SEARCH_LIMIT = 200


@dataclass(frozen=True)
class ClientRow:
    id: str
    name: str
    legal_form: str
    siren: str
    missions: int


def search_clients(session: Session, firm_id: str, query: str = "") -> list[ClientRow]:
    """The firm's clients by name, those whose name or SIREN holds ``query`` (one query)."""
    missions = (
        select(Mission.client_id, func.count().label("missions"))
        .where(Mission.firm_id == firm_id)
        .group_by(col(Mission.client_id))
        .subquery()
    )
    statement = (
        select(Client, func.coalesce(missions.c.missions, 0))
        .outerjoin(missions, missions.c.client_id == col(Client.id))
        .where(Client.firm_id == firm_id)
    )
    words = query.strip().lower()
    if words:
        pattern = f"%{_escape_like(words)}%"
        statement = statement.where(
            or_(
                func.lower(col(Client.name)).like(pattern, escape="\\"),
                func.replace(col(Client.siren), " ", "").like(
                    pattern.replace(" ", ""), escape="\\"
                ),
            )
        )
    rows = session.exec(statement.order_by(col(Client.name)).limit(SEARCH_LIMIT)).all()
    return [
        ClientRow(client.id, client.name, client.legal_form, client.siren, int(count))
        for client, count in rows
    ]


def _escape_like(text: str) -> str:
    # What the person typed is text, never a pattern: `%` and `_` match themselves.
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class ClientHeader:
    client: Client
    representatives: list[Representative]


def client_header(session: Session, firm_id: str, client_id: str) -> ClientHeader:
    client = firm_row(session, Client, firm_id, client_id, "client")
    representatives = session.exec(
        select(Representative)
        .where(Representative.client_id == client.id)
        .order_by(col(Representative.last_name), col(Representative.first_name))
    ).all()
    return ClientHeader(client, list(representatives))


@dataclass(frozen=True)
class RequestRow:
    id: str
    status: str
    services: list[str]
    message: str
    created_at: datetime
    mission_id: str


@dataclass(frozen=True)
class MissionRow:
    id: str
    name: str
    status: MissionStatus
    period_start: date | None
    period_end: date | None
    services: list[str]
    excl_vat: Decimal


@dataclass(frozen=True)
class Prestations:
    requests: list[RequestRow]
    missions: list[MissionRow]


def prestations(session: Session, firm_id: str, client_id: str) -> Prestations:
    """The client's service requests and missions, newest first (four queries).

    Each mission's yearly fees come from ``domain.totals``, as on the mission itself; only
    the columns the list shows are read, so fifty missions stay quick.
    """
    requests = session.exec(
        select(ServiceRequest)
        .where(ServiceRequest.firm_id == firm_id, ServiceRequest.client_id == client_id)
        .order_by(col(ServiceRequest.created_at).desc())
    ).all()
    names = service_names(
        session, firm_id, {service_id for request in requests for service_id in request.service_ids}
    )
    missions = session.execute(
        select_columns(
            col(Mission.id),
            col(Mission.name),
            col(Mission.status),
            col(Mission.period_start),
            col(Mission.period_end),
        )
        .where(col(Mission.firm_id) == firm_id, col(Mission.client_id) == client_id)
        .order_by(col(Mission.created_at).desc())
    ).all()
    lines: dict[str, list[tuple[str, Decimal, Frequency]]] = defaultdict(list)
    for mission_id, name, price, frequency in session.exec(
        select(
            col(MissionLine.mission_id),
            col(MissionLine.name),
            col(MissionLine.price),
            col(MissionLine.frequency),
        )
        .join(Mission, col(Mission.id) == col(MissionLine.mission_id))
        .where(Mission.firm_id == firm_id, Mission.client_id == client_id)
        .order_by(col(MissionLine.position))
    ):
        lines[mission_id].append((name, price, Frequency(frequency)))
    firm = session.get(Firm, firm_id)
    vat_rate = firm.vat_rate if firm is not None else Decimal("20")
    return Prestations(
        requests=[
            RequestRow(
                id=request.id,
                status=request.status,
                services=[names.get(service_id, service_id) for service_id in request.service_ids],
                message=request.message,
                created_at=request.created_at,
                mission_id=request.mission_id,
            )
            for request in requests
        ],
        missions=[
            MissionRow(
                id=mission_id,
                name=name,
                status=MissionStatus(status),
                period_start=start,
                period_end=end,
                services=[line[0] for line in lines[mission_id]],
                excl_vat=totals_of(
                    (PricedLine(price, frequency) for _, price, frequency in lines[mission_id]),
                    vat_rate,
                ).excl_vat,
            )
            for mission_id, name, status, start, end in missions
        ],
    )


@dataclass
class FolderNode:
    folder: Folder
    documents: list[Document] = field(default_factory=list)
    children: list[FolderNode] = field(default_factory=list)


@dataclass(frozen=True)
class DocumentSpace:
    tree: list[FolderNode]
    folders: list[Folder]


def document_space(session: Session, client_id: str) -> DocumentSpace:
    """The client's folders as a tree, each with its documents (two queries)."""
    folders = list(
        session.exec(
            select(Folder).where(Folder.client_id == client_id).order_by(col(Folder.name))
        ).all()
    )
    nodes = {folder.id: FolderNode(folder) for folder in folders}
    documents = session.exec(
        select(Document)
        .where(Document.client_id == client_id)
        .order_by(col(Document.created_at), col(Document.name))
    )
    for document in documents:
        node = nodes.get(document.folder_id)
        if node is not None:
            node.documents.append(document)
    roots: list[FolderNode] = []
    for folder in folders:
        parent = nodes.get(folder.parent_id) if folder.parent_id else None
        (parent.children if parent is not None else roots).append(nodes[folder.id])
    return DocumentSpace(roots, folders)


@dataclass(frozen=True)
class WorkRow:
    id: str
    kind: WorkKind
    title: str
    due_date: date
    status: str
    answer: str | None
    mission_id: str
    mission_name: str


def client_work(session: Session, client_id: str) -> list[WorkRow]:
    """The client's tasks and information requests, by due date (one query)."""
    rows = session.execute(
        select_columns(
            col(WorkItem.id),
            col(WorkItem.kind),
            col(WorkItem.title),
            col(WorkItem.due_date),
            col(WorkItem.status),
            col(WorkItem.answer),
            col(WorkItem.mission_id),
            col(Mission.name),
        )
        .join(Mission, col(Mission.id) == col(WorkItem.mission_id))
        .where(col(WorkItem.client_id) == client_id)
        .order_by(col(WorkItem.due_date), col(WorkItem.key))
    ).all()
    return [
        WorkRow(item_id, WorkKind(kind), title, due, status, answer, mission_id, mission_name)
        for item_id, kind, title, due, status, answer, mission_id, mission_name in rows
    ]


# The history tab shows the latest entries; the API's per-client log has them all.
HISTORY_LIMIT = 200


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    actor: str
    action: str
    target: str
    mission_id: str | None


def client_history(session: Session, firm_id: str, client_id: str) -> list[HistoryRow]:
    """The client's latest audit entries, newest first, people named (three queries; the
    details stay in the API's log)."""
    rows = session.execute(
        select_columns(
            col(AuditEntry.at),
            col(AuditEntry.actor),
            col(AuditEntry.action),
            col(AuditEntry.target),
            col(AuditEntry.mission_id),
        )
        .where(col(AuditEntry.firm_id) == firm_id, col(AuditEntry.client_id) == client_id)
        .order_by(col(AuditEntry.id).desc())
        .limit(HISTORY_LIMIT)
    ).all()
    names = people_names(session, firm_id, {row[1] for row in rows})
    return [
        HistoryRow(at, names.get(actor, actor), action, target, mission_id)
        for at, actor, action, target, mission_id in rows
    ]


def people_names(session: Session, firm_id: str, ids: set[str]) -> dict[str, str]:
    """The firm's staff members and portal users among ``ids``, by name (two queries)."""
    if not ids:
        return {}
    names: dict[str, str] = {}
    for model in (Staff, PortalUser):
        for person_id, first, last, email in session.exec(
            select(model.id, model.first_name, model.last_name, model.email).where(
                model.firm_id == firm_id, col(model.id).in_(ids)
            )
        ):
            names[person_id] = f"{first} {last}".strip() or email
    return names
