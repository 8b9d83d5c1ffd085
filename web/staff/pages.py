"""What every staff page shares: rendering with the French labels, the API's errors turned into
pages, and reading French input (`1 234,50`, `31/12/2027` or ISO dates)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import Request
from starlette.responses import HTMLResponse, RedirectResponse
from temporalio.client import Client as TemporalClient

from api.deps import temporal_client
from api.errors import ApiError
from domain.money import to_money
from web.errors import PageError, page_not_found
from web.staff.labels import LABELS
from web.templating import render

TITLES = {
    403: "Action refusée",
    409: "Action impossible pour l'instant",
    422: "Saisie invalide",
    424: "Le prestataire de signature a refusé",
}
MESSAGES = {
    409: "La mission a changé entre-temps : elle n'est plus dans l'état qui permet cette "
    "action. Revenez à la page pour voir où elle en est.",
    422: "Les informations envoyées ne conviennent pas. Revenez à la page et corrigez-les.",
    424: "Le prestataire de signature a refusé la demande : vérifiez les noms, adresses "
    "e-mail et téléphones des signataires.",
    503: "Le service est momentanément indisponible. Réessayez dans un instant.",
}


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    return render(request, template, {**LABELS, **context}, status_code=status_code)


def as_page_error(error: ApiError) -> PageError:
    """The API's answer as a page a person reads; another firm's object stays a plain 404."""
    if error.status == 404:
        return page_not_found()
    if error.code == "template_error":
        return PageError(
            422, "Modèle de lettre inutilisable", f"Le modèle de lettre a échoué : {error.message}"
        )
    status = error.status if error.status in TITLES or error.status == 503 else 422
    title = TITLES.get(status, "Service indisponible")
    return PageError(status, title, MESSAGES.get(status, MESSAGES[422]))


@contextmanager
def page_errors() -> Iterator[None]:
    """Inside, an ``ApiError`` of the API's services becomes an error page."""
    try:
        yield
    except ApiError as error:
        raise as_page_error(error) from None


async def temporal(request: Request) -> TemporalClient:
    with page_errors():
        return await temporal_client(request)


def back_to(url: str) -> RedirectResponse:
    """After a form: the page again, as a GET (a reload does not post twice)."""
    return RedirectResponse(url, status_code=303)


class InputError(ValueError):
    """A value a person typed that Sceau cannot read; the message says so in French."""


def parse_money(text: str, what: str) -> Decimal:
    """``1 234,50``, ``1234.5`` or ``1 234,50 €`` → Decimal; the domain's money rules apply."""
    cleaned = text.strip().removesuffix("€").strip()
    for space in (" ", "\u00a0", "\u202f"):
        cleaned = cleaned.replace(space, "")
    cleaned = cleaned.replace(",", ".")
    try:
        amount = to_money(cleaned)
    except ValueError:
        raise InputError(
            f"Le prix de « {what} » n'est pas un montant en euros (par exemple 1 234,50)."
        ) from None
    if amount < 0:
        raise InputError(f"Le prix de « {what} » ne peut pas être négatif.")
    return amount


def parse_day(text: str, what: str) -> date:
    """A date as the browser's date field sends it (ISO) or as typed in French (31/12/2027)."""
    value = text.strip()
    try:
        if "/" in value:
            day, month, year = (int(part) for part in value.split("/"))
            return date(year, month, day)
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{what} n'est pas une date valide (par exemple 31/12/2027).") from None
