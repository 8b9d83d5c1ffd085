"""General conditions (CGI): Sceau's default .docx, or the firm's own upload in the blob store."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from hashlib import sha256

from sqlmodel import Session, select

from domain.ged import BlobStore
from domain.letter_templates import TEMPLATES_DIR
from domain.models import GeneralConditions

DEFAULT_CONDITIONS_PATH = TEMPLATES_DIR / "conditions_generales.docx"
DEFAULT_CONDITIONS_NAME = "Conditions générales d'intervention (modèle Sceau)"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_CONTENT_TYPE = "application/pdf"


class ConditionsFormat(StrEnum):
    docx = "docx"  # a template, rendered with the letter's values
    pdf = "pdf"  # printed as it is


CONTENT_TYPES = {ConditionsFormat.docx: DOCX_CONTENT_TYPE, ConditionsFormat.pdf: PDF_CONTENT_TYPE}


@dataclass(frozen=True)
class ConditionsSource:
    """The conditions a firm's letters carry now."""

    format: ConditionsFormat
    data: bytes
    sha256: str


def firm_conditions(session: Session, firm_id: str) -> GeneralConditions | None:
    """The firm's own conditions, or None when its letters carry Sceau's default."""
    return session.exec(
        select(GeneralConditions).where(GeneralConditions.firm_id == firm_id)
    ).first()


def conditions_source(session: Session, blobs: BlobStore, firm_id: str) -> ConditionsSource:
    """What to append to the firm's next letter: its upload, else the default."""
    own = firm_conditions(session, firm_id)
    if own is None:
        data = DEFAULT_CONDITIONS_PATH.read_bytes()
        return ConditionsSource(ConditionsFormat.docx, data, sha256(data).hexdigest())
    return ConditionsSource(ConditionsFormat(own.format), blobs.get(own.sha256), own.sha256)
