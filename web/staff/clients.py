"""The clients: a searchable list, and each client's tabs (Prestations, Documents, Tâches,
Historique); moving a document and opening one."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from sqlmodel import Session
from starlette.responses import Response

from api.deps import Caller, firm_row
from api.routers.documents import move_document
from api.schemas import MoveIn
from api.services.client_file import (
    client_header,
    client_history,
    client_work,
    document_space,
    prestations,
    search_clients,
)
from api.services.portal import document_content
from api.services.sessions import in_session, in_thread, reading
from domain.models import Document
from web.auth import StaffPage
from web.staff.pages import back_to, page, page_errors

router = APIRouter()

TABS = [
    ("prestations", "Prestations"),
    ("documents", "Documents"),
    ("tasks", "Tâches"),
    ("history", "Historique"),
]


@router.get("/app/clients")
async def clients(request: Request, visitor: StaffPage, q: str = "") -> Response:
    found = await reading(partial(search_clients, firm_id=visitor.firm_id, query=q[:200]))
    return page(request, "staff/clients.html", clients=found, query=q)


async def _tab(request: Request, visitor: StaffPage, client_id: str, tab: str) -> Response:
    firm_id = visitor.firm_id

    def read(session: Session) -> dict[str, Any]:
        header = client_header(session, firm_id, client_id)
        values: dict[str, Any] = {"header": header, "client": header.client}
        if tab == "prestations":
            values["prestations"] = prestations(session, firm_id, client_id)
        elif tab == "documents":
            values["space"] = document_space(session, client_id)
        elif tab == "tasks":
            values["work"] = client_work(session, client_id)
        else:
            values["history"] = client_history(session, firm_id, client_id)
        return values

    with page_errors():
        values = await reading(read)
    return page(
        request,
        f"staff/client_{tab}.html",
        tabs=TABS,
        tab=tab,
        moved=request.query_params.get("moved"),
        **values,
    )


@router.get("/app/clients/{client_id}")
async def client_prestations(request: Request, visitor: StaffPage, client_id: str) -> Response:
    return await _tab(request, visitor, client_id, "prestations")


@router.get("/app/clients/{client_id}/documents")
async def client_documents(request: Request, visitor: StaffPage, client_id: str) -> Response:
    return await _tab(request, visitor, client_id, "documents")


@router.get("/app/clients/{client_id}/tasks")
async def client_tasks(request: Request, visitor: StaffPage, client_id: str) -> Response:
    return await _tab(request, visitor, client_id, "tasks")


@router.get("/app/clients/{client_id}/history")
async def client_history_tab(request: Request, visitor: StaffPage, client_id: str) -> Response:
    return await _tab(request, visitor, client_id, "history")


def _move(session: Session, staff: Caller, document_id: str, folder_id: str) -> str:
    """The API's move (same checks: the firm's document, a folder of its client)."""
    return move_document(document_id, MoveIn(folder_id=folder_id), session, staff).client_id


@router.post("/app/documents/{document_id}/move")
async def move(request: Request, visitor: StaffPage, document_id: str) -> Response:
    folder_id = str((await request.form()).get("folder_id") or "")[:40]
    staff = visitor.caller
    with page_errors():
        client_id = await in_session(
            partial(_move, staff=staff, document_id=document_id, folder_id=folder_id),
            actor=staff.actor,
        )
    return back_to(f"/app/clients/{client_id}/documents?moved={document_id}")


@router.get("/app/documents/{document_id}")
async def open_document(visitor: StaffPage, document_id: str) -> Response:
    """The document's bytes, as the API serves them (a client's upload is downloaded)."""
    firm_id = visitor.firm_id
    with page_errors():
        document = await reading(
            lambda session: firm_row(session, Document, firm_id, document_id, "document")
        )
    return await in_thread(partial(document_content, document))
