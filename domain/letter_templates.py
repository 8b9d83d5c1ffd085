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


def template_bytes(
    session: Session, blobs: BlobStore, firm_id: str, template_id: str
) -> bytes | None:
    """The template's .docx, or None when the firm has no such template."""
    if template_id == DEFAULT_TEMPLATE_ID:
        return DEFAULT_TEMPLATE_PATH.read_bytes()
    template = session.get(LetterTemplate, template_id)
    if template is None or template.firm_id != firm_id:
        return None
    return blobs.get(template.sha256)
