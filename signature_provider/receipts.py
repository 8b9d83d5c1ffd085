"""What a completed request yields: the signed PDF and the audit trail.

The "signed" PDF is the signable documents' pages followed by a signature page naming each
signer; the audit trail lists the request's events. Both are written under ``outputs/`` when
the last signer signs, and rebuilt on demand if missing. Nothing is cryptographically signed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from signature_provider import pdf
from signature_provider.errors import invalid_request
from signature_provider.store import DONE, SignatureRequest, Store, write_atomic

SIGNED = "signed"
AUDIT = "audit"


def build_receipts(store: Store, request: SignatureRequest) -> None:
    """Write the signed PDF and the audit trail of ``request``."""
    originals = [
        store.read_document(d.id) for d in request.documents if d.nature == "signable_document"
    ]
    signed = pdf.append_pages(originals, signature_page_lines(request))
    write_atomic(store.output_path(request.id, SIGNED), signed)
    audit = pdf.text_pdf(audit_trail_lines(request), title=f"Audit trail {request.id}")
    write_atomic(store.output_path(request.id, AUDIT), audit)


def read_receipt(store: Store, request: SignatureRequest, kind: str) -> bytes:
    """The ``kind`` (``SIGNED`` or ``AUDIT``) PDF of a done request; 400 before."""
    if request.status != DONE:
        raise invalid_request(
            f"Signature Request is {request.status}; documents are available once done."
        )
    path = store.output_path(request.id, kind)
    if not path.exists():
        build_receipts(store, request)
    return path.read_bytes()


def _local_time(request: SignatureRequest, iso: str | None) -> str:
    if not iso:
        return "-"
    moment = datetime.fromisoformat(iso)
    try:
        zone: Any = ZoneInfo(request.timezone)
        label = request.timezone
    except (ZoneInfoNotFoundError, ValueError):
        zone, label = UTC, "UTC"
    local = moment.astimezone(zone)
    return f"{local:%d/%m/%Y} à {local:%H:%M:%S} ({label})"


def signature_page_lines(request: SignatureRequest) -> list[pdf.Line]:
    lines = [
        pdf.Line("Page de signature électronique", size=16, bold=True),
        pdf.Line(f"Document : {request.name}", space_before=8),
        pdf.Line(f"Demande de signature : {request.id}"),
    ]
    if request.external_id:
        lines.append(pdf.Line(f"Référence externe : {request.external_id}"))
    lines.append(pdf.Line(f"Terminée le : {_local_time(request, request.completed_at)}"))
    for signer in request.signers:
        lines += [
            pdf.Line(
                f"Signé électroniquement par {signer.full_name}",
                size=12,
                bold=True,
                space_before=14,
            ),
            pdf.Line(f"Adresse e-mail : {signer.email}"),
            pdf.Line(f"Date de signature : {_local_time(request, signer.signed_at)}"),
            pdf.Line(
                f"Niveau : {signer.signature_level}, "
                f"authentification : {signer.signature_authentication_mode}"
            ),
        ]
    lines.append(pdf.Line("Documents signés (empreintes SHA-256) :", bold=True, space_before=14))
    for document in request.documents:
        lines.append(pdf.Line(f"{document.filename} : {document.sha256}", size=8))
    lines.append(
        pdf.Line(
            "Signature simulée par le fournisseur de signature local de Sceau "
            "(environnement de développement, sans valeur juridique).",
            size=8,
            space_before=14,
        )
    )
    return lines


def audit_trail_lines(request: SignatureRequest) -> list[pdf.Line]:
    lines = [
        pdf.Line("Journal d'audit de la signature", size=16, bold=True),
        pdf.Line(f"Document : {request.name}", space_before=8),
        pdf.Line(f"Demande de signature : {request.id}"),
        pdf.Line(f"Statut : {request.status}"),
    ]
    if request.external_id:
        lines.append(pdf.Line(f"Référence externe : {request.external_id}"))
    lines.append(pdf.Line("Signataires :", bold=True, space_before=10))
    for signer in request.signers:
        lines.append(pdf.Line(f"{signer.full_name} <{signer.email}> — {signer.status}"))
    lines.append(pdf.Line("Événements :", bold=True, space_before=10))
    for event in request.events:
        lines.append(
            pdf.Line(f"{_local_time(request, event.at)} — {event.name} — {event.detail}", size=9)
        )
    return lines
