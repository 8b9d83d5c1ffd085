"""The mission form and the mission page: lines and totals, the letter panel (preview,
generate), signature, live status and timeline, cancellation.

Every action calls the API's mission services (api/services/missions.py), which check the
input and move the mission's workflow exactly as the API's routes do.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from pydantic import BaseModel, ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from api.errors import ApiError
from api.schemas import (
    CancelIn,
    LetterIn,
    LineIn,
    LinePatch,
    MissionIn,
    PreviewIn,
    SignatureIn,
)
from api.services import missions
from api.services.client_file import people_names
from api.services.mission_page import MissionForm, MissionPage, mission_form, mission_page
from api.services.sessions import reading
from domain.enums import TERMINAL_STATUSES, Frequency, MissionStatus
from domain.money import OCCURRENCES_PER_YEAR
from web.auth import StaffPage
from web.errors import PageError
from web.staff.pages import (
    InputError,
    as_page_error,
    back_to,
    page,
    page_errors,
    parse_day,
    parse_money,
    temporal,
)

router = APIRouter()

# What the French form names each field of the API's mission body.
FIELD_LABELS = {
    "name": "Le nom de la mission",
    "period_start": "Le début de la période",
    "period_end": "La fin de la période",
    "frequency": "La fréquence",
    "lines": "Les prestations",
}
PERIOD_RULE = (
    "La période ne convient pas : elle doit finir après son début, se situer entre 2000 et "
    "2099 et durer au plus 5 ans."
)
DONE = {
    "created": "La mission est créée.",
    "price": "Le prix est modifié ; les totaux sont recalculés.",
    "letter": "La lettre de mission est générée et classée dans la GED.",
    "signature": "La lettre est envoyée pour signature.",
    "cancel": "L'annulation est demandée ; la mission sera annulée dans un instant.",
}
# What "cancel" says once the page already shows the mission cancelled.
CANCELLED = "La mission est annulée."


# --- the mission form ---------------------------------------------------------------------


def _form_page(
    request: Request,
    form: MissionForm,
    values: dict[str, Any],
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return page(
        request,
        "staff/mission_form.html",
        status_code=status_code,
        form=form,
        values=values,
        error=error,
        frequencies=list(Frequency),
        occurrences={str(k): v for k, v in OCCURRENCES_PER_YEAR.items()},
    )


async def _read_form(visitor: StaffPage, client_id: str, request_id: str | None) -> MissionForm:
    today = datetime.now(UTC).date()
    with page_errors():
        return await reading(
            partial(
                mission_form,
                firm_id=visitor.firm_id,
                client_id=client_id,
                request_id=request_id,
                today=today,
            )
        )


@router.get("/app/clients/{client_id}/missions/new")
async def new_mission(
    request: Request, visitor: StaffPage, client_id: str, demande: str | None = None
) -> Response:
    form = await _read_form(visitor, client_id, demande)
    values = {
        "name": "",
        "period_start": form.period_start.isoformat(),
        "period_end": form.period_end.isoformat(),
        "frequency": Frequency.monthly.value,
        "chosen": form.chosen,
        "prices": {
            service.id: f"{service.price:.2f}".replace(".", ",") for service in form.services
        },
        # One mission however often the form is sent (a double click, a reload after a
        # lost answer): the API's Idempotency-Key, made when the form is shown.
        "idempotency_key": uuid.uuid4().hex,
    }
    return _form_page(request, form, values)


def _mission_body(form: MissionForm, data: FormData) -> tuple[MissionIn, dict[str, Any]]:
    """The API's mission body from the French form, and the values to show it again with."""
    values = _typed(form, data)
    chosen = [str(value) for value in data.getlist("service_id")]
    prices: dict[str, str] = values["prices"]
    names = {service.id: service.name for service in form.services}
    catalogue = {service.id: service.price for service in form.services}
    if not values["name"].strip():
        raise InputError("Donnez un nom à la mission.")
    start = parse_day(values["period_start"], "Le début de la période")
    end = parse_day(values["period_end"], "La fin de la période")
    if values["frequency"] not in {f.value for f in Frequency}:
        raise InputError("Choisissez la fréquence de facturation.")
    lines = [service_id for service_id in chosen if service_id in names]
    if not lines:
        raise InputError("Choisissez au moins une prestation du catalogue.")
    line_bodies = []
    for service_id in lines:
        price: Decimal | None = None
        if prices.get(service_id):
            price = parse_money(prices[service_id], names[service_id])
        # Only a changed price overrides the catalogue's (the seed's pen).
        line_bodies.append(
            LineIn(service_id=service_id, price=price if price != catalogue[service_id] else None)
        )
    try:
        body = MissionIn(
            client_id=form.client.id,
            service_request_id=form.request.id if form.request else None,
            name=values["name"].strip(),
            period_start=start,
            period_end=end,
            frequency=Frequency(values["frequency"]),
            lines=line_bodies,
        )
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        label = FIELD_LABELS.get(field, "Une valeur")
        raise InputError(f"{label} ne convient pas : vérifiez-la.") from None
    return body, values


@router.post("/app/clients/{client_id}/missions")
async def create_mission(
    request: Request, visitor: StaffPage, client_id: str, demande: str | None = None
) -> Response:
    form = await _read_form(visitor, client_id, demande)
    data = await request.form()
    try:
        body, values = _mission_body(form, data)
    except InputError as error:
        # Show the form again as it was typed, with what to correct.
        return _form_page(request, form, _typed(form, data), str(error), status_code=422)
    client = await temporal(request)
    try:
        answer = await missions.create(client, visitor.caller, body, values["idempotency_key"])
    except ApiError as error:
        if error.status == 422:
            field = (error.details or {}).get("field") if isinstance(error.details, dict) else ""
            message = PERIOD_RULE if field == "period_end" else as_page_error(error).message
            return _form_page(request, form, values, message, status_code=422)
        raise as_page_error(error) from None
    return back_to(f"/app/missions/{answer.mission.id}?ok=created")


def _typed(form: MissionForm, data: FormData) -> dict[str, Any]:
    """The form's values as typed, to show the form again with them."""
    return {
        "name": str(data.get("name") or ""),
        "period_start": str(data.get("period_start") or ""),
        "period_end": str(data.get("period_end") or ""),
        "frequency": str(data.get("frequency") or ""),
        "chosen": {str(value) for value in data.getlist("service_id")},
        "prices": {s.id: str(data.get(f"price_{s.id}") or "").strip() for s in form.services},
        "idempotency_key": str(data.get("idempotency_key") or uuid.uuid4().hex)[:100],
    }


# --- the mission page ---------------------------------------------------------------------


async def _mission(visitor: StaffPage, mission_id: str) -> tuple[MissionPage, dict[str, str]]:
    firm_id = visitor.firm_id

    def read(session: Session) -> tuple[MissionPage, dict[str, str]]:
        found = mission_page(session, firm_id, mission_id)
        # The timeline names people by id: shown by name.
        by = {entry.by for entry in found.mission.timeline}
        return found, people_names(session, firm_id, by)

    with page_errors():
        return await reading(read)


def _live_values(found: MissionPage, people: dict[str, str]) -> dict[str, Any]:
    return {
        "m": found.mission,
        "people": people,
        "live": found.mission.status not in TERMINAL_STATUSES,
        "work_opens_on": found.work_opens_on,
    }


@router.get("/app/missions/{mission_id}")
async def show_mission(
    request: Request, visitor: StaffPage, mission_id: str, ok: str | None = None
) -> Response:
    found, people = await _mission(visitor, mission_id)
    done = DONE.get(ok or "")
    if ok == "cancel" and found.mission.status == MissionStatus.cancelled:
        done = CANCELLED
    return page(
        request,
        "staff/mission.html",
        view=found,
        done=done,
        can_send=found.mission.status == MissionStatus.letter_generated,
        can_cancel=found.mission.status not in TERMINAL_STATUSES,
        **_live_values(found, people),
    )


@router.get("/app/missions/{mission_id}/live")
async def mission_live(request: Request, visitor: StaffPage, mission_id: str) -> Response:
    """The status, signers and timeline, polled by the page while the mission moves."""
    found, people = await _mission(visitor, mission_id)
    return page(request, "staff/_mission_live.html", **_live_values(found, people))


Body = TypeVar("Body", bound=BaseModel)


def invalid_input(message: str) -> PageError:
    return PageError(422, "Saisie invalide", message)


def body_of(model: type[Body], message: str, **values: Any) -> Body:
    """The API's body for these values, or a page saying ``message``."""
    try:
        return model(**values)
    except ValidationError:
        raise invalid_input(message) from None


def field(data: FormData, name: str, limit: int = 40) -> str:
    return str(data.get(name) or "")[:limit]


@router.post("/app/missions/{mission_id}/lines/{line_id}/price")
async def change_price(
    request: Request, visitor: StaffPage, mission_id: str, line_id: str
) -> Response:
    data = await request.form()
    try:
        amount = parse_money(field(data, "price"), field(data, "line_name", 300) or "la ligne")
    except InputError as error:
        raise invalid_input(str(error)) from None
    client = await temporal(request)
    with page_errors():
        await missions.change_line(
            client, visitor.caller, mission_id, line_id, LinePatch(price=amount)
        )
    return back_to(f"/app/missions/{mission_id}?ok=price")


LETTER_CHOICES = "Choisissez le modèle, le dossier et les deux représentants."


@router.post("/app/missions/{mission_id}/preview")
async def preview(request: Request, visitor: StaffPage, mission_id: str) -> Response:
    """The letter as it would be generated now, shown in the page's frame; nothing is filed
    (the mission's last preview is kept, and served again while nothing in it changes)."""
    data = await request.form()
    body = body_of(
        PreviewIn,
        LETTER_CHOICES,
        template_id=field(data, "template_id") or "default",
        firm_representative_id=field(data, "firm_representative_id"),
        client_representative_id=field(data, "client_representative_id"),
    )
    client = await temporal(request)
    with page_errors():
        pdf = await missions.preview_letter(client, visitor.caller, mission_id, body)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": 'inline; filename="apercu.pdf"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/app/missions/{mission_id}/letter")
async def generate(request: Request, visitor: StaffPage, mission_id: str) -> Response:
    data = await request.form()
    body = body_of(
        LetterIn,
        LETTER_CHOICES,
        template_id=field(data, "template_id") or "default",
        folder_id=field(data, "folder_id"),
        firm_representative_id=field(data, "firm_representative_id"),
        client_representative_id=field(data, "client_representative_id"),
    )
    client = await temporal(request)
    with page_errors():
        await missions.generate_letter(client, visitor.caller, mission_id, body)
    return back_to(f"/app/missions/{mission_id}?ok=letter")


@router.post("/app/missions/{mission_id}/signature")
async def send_for_signature(request: Request, visitor: StaffPage, mission_id: str) -> Response:
    client = await temporal(request)
    with page_errors():
        await missions.request_signature(client, visitor.caller, mission_id, SignatureIn())
    return back_to(f"/app/missions/{mission_id}?ok=signature")


@router.post("/app/missions/{mission_id}/cancel")
async def cancel(request: Request, visitor: StaffPage, mission_id: str) -> Response:
    data = await request.form()
    reason = str(data.get("reason") or "").strip()
    if not reason:
        raise invalid_input("Donnez le motif de l'annulation.")
    body = body_of(CancelIn, "Le motif est trop long (2 000 caractères au plus).", reason=reason)
    client = await temporal(request)
    with page_errors():
        await missions.cancel(client, visitor.caller, mission_id, body.reason)
    return back_to(f"/app/missions/{mission_id}?ok=cancel")
