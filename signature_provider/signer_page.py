"""The signer's page as people see it: what it says about the request, and its rendering.

``signer_situation`` turns the request's and the signer's state into what the page tells the
signer (and whether it offers "Signer" and "Refuser"); the HTML comes from Jinja2 templates
under ``templates/`` with autoescaping, so names and reasons show as the text they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from signature_provider.store import (
    CANCELED,
    DECLINED,
    DONE,
    DRAFT,
    EXPIRED,
    ONGOING,
    SignatureRequest,
    Signer,
)

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
PARIS = ZoneInfo("Europe/Paris")

# What the page says right after the signer's own action (the `done` query of its redirect).
JUST_DONE = {
    "signed": "Votre signature est enregistrée. Merci.",
    "declined": "Votre refus est enregistré. Le cabinet en est informé.",
}

# No script runs on these pages; the document is framed from the provider itself, and no
# other site may frame the page (a signature button under someone else's page). The only
# image is the layout's empty icon (`data:,`: no request for /favicon.ico, no 404).
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def french_time(iso: str | None) -> str:
    """``2026-11-30T16:59:20+00:00`` as ``30/11/2026 à 17:59`` (Paris time)."""
    if not iso:
        return ""
    moment = datetime.fromisoformat(iso).astimezone(PARIS)
    return moment.strftime("%d/%m/%Y à %H:%M")


@dataclass(frozen=True)
class Situation:
    """Where the signer stands: the sentences shown, and whether the forms are offered."""

    headline: str
    detail: str = ""
    can_act: bool = False


def signer_situation(
    request: SignatureRequest, signer: Signer, *, just_now: bool = False
) -> Situation:
    """``just_now``: the signer acted a moment ago (the page says so), else the link is used."""
    already = "" if just_now else "déjà "
    if signer.status == "signed":
        when = french_time(signer.signed_at)
        if request.status == DONE:
            detail = "Tous les signataires ont signé : le document est signé."
        elif request.status == ONGOING:
            detail = "Le document attend encore la signature d'un autre signataire."
        else:
            detail = status_sentence(request)
        return Situation(f"Vous avez {already}signé ce document, le {when}.", detail)
    if signer.status == "declined":
        reason = (request.decline_information or {}).get("reason", "")
        return Situation(
            f"Vous avez {already}refusé de signer ce document, le "
            f"{french_time(signer.declined_at)}.",
            f"Motif : {reason}" if reason else "",
        )
    if request.status != ONGOING:
        return Situation(status_sentence(request))
    if request.ordered_signers:
        first_pending = next(s for s in request.signers if s.status != "signed")
        if first_pending.id != signer.id:
            return Situation(
                "Un autre signataire doit signer avant vous.",
                "Vous pourrez signer à partir de ce même lien dès qu'il l'aura fait.",
            )
    return Situation(
        "Ce document attend votre signature.",
        "Lisez-le, puis signez-le ou refusez-le.",
        can_act=True,
    )


def status_sentence(request: SignatureRequest) -> str:
    """What a request that can no longer be signed tells every signer."""
    if request.status == DONE:
        return "Ce document est déjà signé par tous les signataires."
    if request.status == DECLINED:
        return "Ce document a été refusé par un signataire : il ne peut plus être signé."
    if request.status == EXPIRED:
        return "Cette demande de signature a expiré : le document ne peut plus être signé."
    if request.status == CANCELED:
        return "Cette demande de signature a été annulée par l'expéditeur."
    if request.status == DRAFT:
        return "Ce document n'est pas encore prêt à être signé."
    return f"Cette demande de signature est « {request.status} »."


def signable_filename(request: SignatureRequest) -> str | None:
    return next((d.filename for d in request.documents if d.nature == "signable_document"), None)


def render_signer_page(
    request: SignatureRequest,
    signer: Signer,
    *,
    token: str,
    notice: str = "",
    error: str = "",
    reason: str = "",
    reason_error: str = "",
) -> str:
    return TEMPLATES.get_template("signer.html").render(
        request=request,
        signer=signer,
        situation=signer_situation(request, signer, just_now=bool(notice)),
        filename=signable_filename(request),
        token=token,
        notice=notice,
        error=error,
        reason=reason,
        reason_error=reason_error,
    )


def render_request_page(request: SignatureRequest) -> str:
    """The request's own page (no signer named): its signers, each with their page's link."""
    return TEMPLATES.get_template("request.html").render(
        request=request,
        filename=signable_filename(request),
        status=status_sentence(request) if request.status != ONGOING else "",
    )


def render_unknown_link() -> str:
    return TEMPLATES.get_template("unknown.html").render()
