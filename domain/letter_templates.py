"""Letter templates: the built-in default, or a firm's upload kept in the blob store."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from domain.ged import BlobStore
from domain.models import LetterTemplate

DEFAULT_TEMPLATE_ID = "default"
DEFAULT_TEMPLATE_NAME = "Lettre de mission (modèle Sceau)"
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
DEFAULT_TEMPLATE_PATH = TEMPLATES_DIR / "lettre_de_mission.docx"


def _firms_template(session: Session, firm_id: str, template_id: str) -> LetterTemplate | None:
    template = session.get(LetterTemplate, template_id)
    return template if template is not None and template.firm_id == firm_id else None


def has_template(session: Session, firm_id: str, template_id: str) -> bool:
    """Whether the firm may name this template, without reading its .docx (an object
    store's GET, in production) from the blob store."""
    return (
        template_id == DEFAULT_TEMPLATE_ID
        or _firms_template(session, firm_id, template_id) is not None
    )


def template_bytes(
    session: Session, blobs: BlobStore, firm_id: str, template_id: str
) -> bytes | None:
    """The template's .docx, or None when the firm has no such template."""
    if template_id == DEFAULT_TEMPLATE_ID:
        return DEFAULT_TEMPLATE_PATH.read_bytes()
    template = _firms_template(session, firm_id, template_id)
    return None if template is None else blobs.get(template.sha256)
