"""The client's pages: home, shared documents, letters to sign, information requests (with
"Répondre"), and "Demander une prestation". Every rule is the API's: these pages call the
same services (api/services) with the visitor's caller."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from sqlmodel import Session, col, select
from starlette.responses import RedirectResponse, Response

from api.deps import temporal_client
from api.errors import ApiError
from api.limits import read_capped
from api.schemas import ServiceRequestIn
from api.services import answers
from api.services import requests as service_requests
from api.services.portal import (
    document_content,
    information_requests,
    shared_document,
    shared_documents,
)
from api.services.sessions import in_session, reading
from domain.enums import MissionStatus, ServiceRequestStatus, WorkStatus
from domain.models import Document, Firm, Folder, Mission, Service, ServiceRequest, WorkItem
from domain.queries import firm_clock
from domain.settings import get_settings
from web.auth import ClientPage
from web.client.signing import letters_to_sign, signature_provider, signing_link
from web.errors import page_not_found
from web.sessions import Visitor
from web.templating import render

router = APIRouter()


def _client(visitor: Visitor) -> str:
    assert visitor.client_id is not None
    return visitor.client_id


@dataclass(frozen=True)
class Overview:
    documents: int
    letters: int
    open_requests: int


def _overview(session: Session, client_id: str) -> Overview:
    letters = session.exec(
        select(Mission.id).where(
            Mission.client_id == client_id, Mission.status == MissionStatus.awaiting_signature
        )
    ).all()
    return Overview(
        documents=len(shared_documents(session, client_id)),
        letters=len(letters),
        open_requests=sum(
            item.status == WorkStatus.open for item in information_requests(session, client_id)
        ),
    )


@router.get("/client/")
async def client_home(request: Request, visitor: ClientPage) -> Response:
    overview = await reading(partial(_overview, client_id=_client(visitor)))
    return render(request, "client/home.html", {"overview": overview})


def _documents(session: Session, client_id: str) -> list[tuple[Document, str]]:
    documents = shared_documents(session, client_id)
    folders = {
        folder.id: folder.name
        for folder in session.exec(select(Folder).where(Folder.client_id == client_id))
    }
    return [(document, folders.get(document.folder_id, "")) for document in documents]


@router.get("/client/documents")
async def client_documents(request: Request, visitor: ClientPage) -> Response:
    documents = await reading(partial(_documents, client_id=_client(visitor)))
    return render(request, "client/documents.html", {"documents": documents})


@router.get("/client/documents/{document_id}/content")
async def client_document_content(
    document_id: str, visitor: ClientPage, download: bool = False
) -> Response:
    document = await reading(
        partial(shared_document, client_id=_client(visitor), document_id=document_id)
    )
    if document is None:
        raise page_not_found()
    return document_content(document, download=download)


@router.get("/client/letters")
async def client_letters(request: Request, visitor: ClientPage) -> Response:
    letters = await reading(partial(letters_to_sign, client_id=_client(visitor)))
    links: list[str | None] = []
    if letters:
        provider = await signature_provider(request.app.state)
        links = await asyncio.gather(*(signing_link(provider, letter) for letter in letters))
    return render(
        request, "client/letters.html", {"letters": list(zip(letters, links, strict=True))}
    )


def _requests_and_today(
    session: Session, client_id: str, firm_id: str
) -> tuple[list[WorkItem], date]:
    """The client's information requests, and the firm's today (its time zone): an open
    request due before it is late."""
    firm = session.get(Firm, firm_id)
    assert firm is not None
    return information_requests(session, client_id), firm_clock(firm).today(datetime.now(UTC))


@router.get("/client/information-requests")
async def client_information_requests(request: Request, visitor: ClientPage) -> Response:
    items, today = await reading(
        partial(_requests_and_today, client_id=_client(visitor), firm_id=visitor.firm_id)
    )
    return render(request, "client/information_requests.html", {"items": items, "today": today})


def _request_and_files(
    session: Session, visitor: Visitor, item_id: str
) -> tuple[WorkItem, list[Document]]:
    item = answers.own_information_request(session, visitor.caller, item_id)
    files = session.exec(
        select(Document)
        .where(Document.work_item_id == item.id, Document.client_id == item.client_id)
        .order_by(col(Document.created_at))
    ).all()
    return item, list(files)


async def _answer_page(
    request: Request, visitor: Visitor, item_id: str, error: str | None = None, status: int = 200
) -> Response:
    try:
        item, files = await reading(partial(_request_and_files, visitor=visitor, item_id=item_id))
    except ApiError as refused:
        if refused.status == 404:
            raise page_not_found() from None
        raise
    context: dict[str, object] = {"item": item, "files": files}
    if error is not None:
        context["error"] = error
    return render(request, "client/information_request.html", context, status_code=status)


@router.get("/client/information-requests/{item_id}")
async def client_information_request(
    request: Request, item_id: str, visitor: ClientPage
) -> Response:
    return await _answer_page(request, visitor, item_id)


@router.post("/client/information-requests/{item_id}")
async def answer_information_request(
    request: Request,
    item_id: str,
    visitor: ClientPage,
    answer: Annotated[str, Form(max_length=10_000)] = "",
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    """ "Répondre": the files are filed first (each once, by content), then the message."""
    if not answer.strip():
        return await _answer_page(
            request, visitor, item_id, "Écrivez votre réponse avant d'envoyer.", 422
        )
    try:
        await reading(partial(answers.answerable, client=visitor.caller, item_id=item_id))
        for upload in files or []:
            if not upload.filename:
                continue  # the empty part a browser sends when no file was chosen
            data = await read_capped(upload, get_settings().upload_max_bytes, "a file")
            await answers.file_answer(visitor.caller, item_id, upload.filename, data)
        await _record_answer(visitor, item_id, answer.strip())
    except ApiError as refused:
        if refused.status == 404:
            raise page_not_found() from None
        if refused.status in (409, 413, 422):
            return await _answer_page(
                request, visitor, item_id, french_refusal(refused), refused.status
            )
        raise
    return RedirectResponse(f"/client/information-requests/{item_id}?sent=1", status_code=303)


async def _record_answer(visitor: Visitor, item_id: str, answer: str) -> None:
    await in_session(
        partial(answers.record_answer, client=visitor.caller, item_id=item_id, answer=answer),
        actor=visitor.caller.actor,
    )


def french_refusal(refused: ApiError) -> str:
    if refused.status == 409:
        return "Cette demande a déjà reçu une réponse ou a été close par le cabinet."
    if refused.status == 413:
        return "Ce fichier est trop volumineux."
    return f"Envoi refusé : {refused.message}"


def _catalogue(session: Session, firm_id: str) -> list[Service]:
    return list(
        session.exec(select(Service).where(Service.firm_id == firm_id).order_by(col(Service.name)))
    )


async def _request_form(
    request: Request,
    visitor: Visitor,
    *,
    chosen: list[str] | None = None,
    message: str = "",
    error: str | None = None,
    status: int = 200,
) -> Response:
    services = await reading(partial(_catalogue, firm_id=visitor.firm_id))
    context: dict[str, object] = {
        "services": services,
        "chosen": set(chosen or []),
        "message": message,
        # One key per form shown: sending it twice (a double click, a retry) asks once.
        "idempotency_key": secrets.token_urlsafe(16),
    }
    if error is not None:
        context["error"] = error
    return render(request, "client/service_request_form.html", context, status_code=status)


@router.get("/client/service-requests/new")
async def new_service_request(request: Request, visitor: ClientPage) -> Response:
    return await _request_form(request, visitor)


@router.post("/client/service-requests")
async def ask_for_services(
    request: Request,
    visitor: ClientPage,
    service_ids: Annotated[list[str] | None, Form(max_length=40)] = None,
    message: Annotated[str, Form(max_length=5000)] = "",
    idempotency_key: Annotated[str | None, Form(max_length=100)] = None,
) -> Response:
    chosen = service_ids or []
    if not chosen:
        return await _request_form(
            request,
            visitor,
            message=message,
            error="Choisissez au moins une prestation.",
            status=422,
        )
    try:
        body = ServiceRequestIn(service_ids=chosen, message=message)
        temporal = await temporal_client(request)
        await service_requests.ask(temporal, visitor.caller, body, idempotency_key)
    except ApiError as refused:
        if refused.status == 422:
            return await _request_form(
                request,
                visitor,
                chosen=chosen,
                message=message,
                error="Une prestation choisie n'est plus proposée par le cabinet.",
                status=422,
            )
        raise
    except ValueError as invalid:  # the request body's own checks (a message too long...)
        return await _request_form(
            request, visitor, chosen=chosen, message=message, error=str(invalid), status=422
        )
    return RedirectResponse("/client/service-requests?sent=1", status_code=303)


def _my_requests(session: Session, client_id: str) -> list[tuple[ServiceRequest, list[str]]]:
    requests = session.exec(
        select(ServiceRequest)
        .where(ServiceRequest.client_id == client_id)
        .order_by(col(ServiceRequest.created_at).desc())
    ).all()
    names = {
        service.id: service.name
        for service in session.exec(
            select(Service).where(
                col(Service.id).in_({sid for r in requests for sid in r.service_ids})
            )
        )
    }
    return [(r, [names.get(sid, sid) for sid in r.service_ids]) for r in requests]


@router.get("/client/service-requests")
async def client_service_requests(request: Request, visitor: ClientPage) -> Response:
    found = await reading(partial(_my_requests, client_id=_client(visitor)))
    return render(
        request,
        "client/service_requests.html",
        {"requests": found, "converted": ServiceRequestStatus.converted},
    )
