"""The firm's catalogue (services and the work each sets off) and its letter templates."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import Field, TypeAdapter, ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from api.deps import Caller
from api.errors import ApiError
from api.routers.catalogue import create_service, list_services
from api.routers.letter_templates import list_templates, upload_template
from api.schemas import Line, ServiceIn, WorkIn
from api.services.sessions import in_session, reading
from domain.enums import Frequency, WorkKind
from web.auth import StaffPage
from web.staff.pages import InputError, as_page_error, back_to, page, parse_money

router = APIRouter()

WORK_ROWS = 3
TEMPLATE_NAME = TypeAdapter(Annotated[Line, Field(min_length=1, max_length=200)])


def _catalogue(session: Session, staff: Caller) -> Any:
    return list_services(session, staff)


async def _catalogue_page(
    request: Request,
    visitor: StaffPage,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    services = await reading(partial(_catalogue, staff=visitor.caller))
    return page(
        request,
        "staff/catalogue.html",
        status_code=status_code,
        services=services,
        error=error,
        values=values or {},
        frequencies=list(Frequency),
        work_kinds=list(WorkKind),
        work_rows=range(WORK_ROWS),
        added=request.query_params.get("ok") == "added",
    )


@router.get("/app/catalogue")
async def catalogue(request: Request, visitor: StaffPage) -> Response:
    return await _catalogue_page(request, visitor)


def _service_body(data: FormData) -> ServiceIn:
    def text(name: str, limit: int = 2000) -> str:
        return str(data.get(name) or "").strip()[:limit]

    code, name = text("code", 40), text("name", 300)
    if not code or not name:
        raise InputError("Donnez un code et un nom à la prestation.")
    price = parse_money(text("price", 40), name)
    if text("frequency") not in {item.value for item in Frequency}:
        raise InputError("Choisissez la fréquence de la prestation.")
    work = []
    for row in range(WORK_ROWS):
        title = text(f"work_title_{row}", 300)
        if not title:
            continue
        due = text(f"work_due_{row}", 10)
        try:
            work.append(
                WorkIn(
                    kind=WorkKind(text(f"work_kind_{row}")),
                    title=title,
                    due=int(due) if due else None,
                )
            )
        except (ValueError, ValidationError):
            raise InputError(
                f"Le travail « {title} » ne convient pas : son délai est un nombre de jours "
                "entre -366 et 366."
            ) from None
    try:
        return ServiceIn(
            code=code,
            name=name,
            description=text("description"),
            price=price,
            frequency=Frequency(text("frequency")),
            work=work,
        )
    except ValidationError:
        raise InputError(
            "La prestation ne convient pas : le code, le nom et le prix tiennent sur une ligne."
        ) from None


@router.post("/app/catalogue")
async def add_service(request: Request, visitor: StaffPage) -> Response:
    data = await request.form()
    values = {key: str(value) for key, value in data.items() if isinstance(value, str)}
    try:
        body = _service_body(data)
    except InputError as error:
        return await _catalogue_page(request, visitor, str(error), values, 422)
    staff = visitor.caller
    try:
        await in_session(lambda session: create_service(body, session, staff), actor=staff.actor)
    except ApiError as error:
        if error.status != 409:
            raise as_page_error(error) from None
        message = f"Le catalogue a déjà une prestation de code « {body.code} »."
        return await _catalogue_page(request, visitor, message, values, 409)
    return back_to("/app/catalogue?ok=added")


# --- letter templates ---------------------------------------------------------------------


async def _templates_page(
    request: Request,
    visitor: StaffPage,
    refused: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    staff = visitor.caller
    templates = await reading(lambda session: list_templates(session, staff))
    return page(
        request,
        "staff/letter_templates.html",
        status_code=status_code,
        templates=templates,
        refused=refused,
        added=request.query_params.get("ok") == "added",
    )


@router.get("/app/letter-templates")
async def letter_templates(request: Request, visitor: StaffPage) -> Response:
    return await _templates_page(request, visitor)


@router.post("/app/letter-templates")
async def add_template(request: Request, visitor: StaffPage) -> Response:
    data = await request.form()
    file, name = data.get("file"), str(data.get("name") or "").strip()
    try:
        name = TEMPLATE_NAME.validate_python(name)
    except ValidationError:
        refused = {"message": "Donnez au modèle un nom d'une ligne (200 caractères au plus)."}
        return await _templates_page(request, visitor, refused, 422)
    if not isinstance(file, UploadFile) or not file.filename:
        refused = {"message": "Choisissez le fichier .docx du modèle."}
        return await _templates_page(request, visitor, refused, 422)
    try:
        # The API's upload: the same checks (package, variables, expressions), the same record.
        await upload_template(visitor.caller, file, name)  # type: ignore[arg-type]
    except ApiError as error:
        if error.status not in (413, 422):
            raise as_page_error(error) from None
        details = error.details if isinstance(error.details, dict) else {}
        refused = {
            "message": "Ce modèle est refusé, rien n'a été enregistré.",
            "reason": error.message,
            "unknown": details.get("unknown", []),
            "available": details.get("available", []),
        }
        return await _templates_page(request, visitor, refused, error.status)
    return back_to("/app/letter-templates?ok=added")
