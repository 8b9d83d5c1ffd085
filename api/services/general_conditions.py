"""A firm's general conditions: checked like a template before they are kept, one per firm.

A .docx is a template (the letter's values, the same package, expression and sample-render
checks as `POST /v1/letter-templates`); a PDF is checked by documents/pdf_checks.py in a child
process on a budget. Nothing is stored before every check has passed, so a refused upload
changes nothing: the firm's letters keep the conditions they had.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import partial

from sqlmodel import Session

from api.errors import ApiError, invalid
from api.schemas import GeneralConditionsOut
from api.services.sessions import in_session, in_thread, reading
from api.services.template_uploads import checked_template
from documents.budget import DEFAULT_BUDGET, BudgetExceeded, run_within
from documents.pdf_checks import PdfRefused, check_conditions_pdf
from domain.audit import Actor
from domain.ged import blob_store
from domain.general_conditions import (
    CONTENT_TYPES,
    DEFAULT_CONDITIONS_NAME,
    DEFAULT_CONDITIONS_PATH,
    ConditionsFormat,
    firm_conditions,
)
from domain.models import GeneralConditions, utcnow

_MACRO_OR_OTHER = "general conditions must be a .docx or a PDF file"


@dataclass(frozen=True)
class CheckedUpload:
    format: ConditionsFormat
    pages: int | None


def _format_of(filename: str | None) -> ConditionsFormat:
    """Chosen by the file's name, which its bytes must bear out (each check below)."""
    name = (filename or "").lower()
    if name.endswith(".pdf"):
        return ConditionsFormat.pdf
    if name.endswith(".docx"):
        return ConditionsFormat.docx
    raise invalid(f"these general conditions cannot be used: {_MACRO_OR_OTHER}")


async def check_upload(filename: str | None, data: bytes, max_bytes: int) -> CheckedUpload:
    """The upload's format and page count, or a 422 that says what is wrong with it."""
    kind = _format_of(filename)
    if kind is ConditionsFormat.pdf:
        try:
            pages = await in_thread(partial(_checked_pdf, data))
        except PdfRefused as error:
            raise invalid(f"these general conditions cannot be used: {error}") from None
        return CheckedUpload(kind, pages)
    await checked_template(
        filename,
        data,
        max_bytes,
        refused="these general conditions cannot be used",
        unknown_values="the general conditions use values Sceau does not provide",
    )
    return CheckedUpload(kind, None)


def _checked_pdf(data: bytes) -> int:
    """The PDF check in a child process: a crafted file stops at its CPU and memory budget."""
    try:
        pages: int = run_within(DEFAULT_BUDGET, check_conditions_pdf, data)
    except BudgetExceeded as exceeded:
        raise PdfRefused(f"the PDF takes too long to read ({exceeded})") from None
    return pages


async def replace_conditions(
    firm_id: str, name: str, data: bytes, checked: CheckedUpload, actor: Actor
) -> GeneralConditionsOut:
    """Keep the checked bytes in the blob store, then record them as the firm's conditions."""
    sha256 = await in_thread(partial(blob_store().put, data))
    return await in_session(
        partial(
            _record,
            firm_id=firm_id,
            name=name,
            sha256=sha256,
            size=len(data),
            checked=checked,
        ),
        actor=actor,
    )


def _record(
    session: Session, firm_id: str, name: str, sha256: str, size: int, checked: CheckedUpload
) -> GeneralConditionsOut:
    row = firm_conditions(session, firm_id)
    if row is None:
        row = GeneralConditions(firm_id=firm_id, name=name, format="", sha256="", size=0)
    row.name = name
    row.format = checked.format.value
    row.sha256 = sha256
    row.size = size
    row.pages = checked.pages
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return _out(row)


async def current_conditions(firm_id: str) -> GeneralConditionsOut:
    return await reading(partial(_current, firm_id=firm_id))


def _current(session: Session, firm_id: str) -> GeneralConditionsOut:
    row = firm_conditions(session, firm_id)
    return default_out() if row is None else _out(row)


async def conditions_file(firm_id: str) -> tuple[bytes, GeneralConditionsOut]:
    """The bytes of the conditions the firm's letters carry, and their description."""
    out = await current_conditions(firm_id)
    if out.source == "default":
        return await in_thread(DEFAULT_CONDITIONS_PATH.read_bytes), out
    return await in_thread(partial(blob_store().get, out.sha256)), out


async def remove_conditions(firm_id: str, actor: Actor) -> None:
    """Back to Sceau's default; 404 when the firm had none of its own."""
    removed = await in_session(partial(_remove, firm_id=firm_id), actor=actor)
    if not removed:
        raise ApiError(404, "not_found", "the firm has no general conditions of its own")


def _remove(session: Session, firm_id: str) -> bool:
    row = firm_conditions(session, firm_id)
    if row is None:
        return False
    session.delete(row)
    return True


def _out(row: GeneralConditions) -> GeneralConditionsOut:
    kind = ConditionsFormat(row.format)
    return GeneralConditionsOut(
        source="firm",
        name=row.name,
        format=kind.value,
        content_type=CONTENT_TYPES[kind],
        sha256=row.sha256,
        size=row.size,
        pages=row.pages,
        updated_at=row.updated_at,
    )


_default: GeneralConditionsOut | None = None


def default_out() -> GeneralConditionsOut:
    global _default
    if _default is None:
        data = DEFAULT_CONDITIONS_PATH.read_bytes()
        _default = GeneralConditionsOut(
            source="default",
            name=DEFAULT_CONDITIONS_NAME,
            format=ConditionsFormat.docx.value,
            content_type=CONTENT_TYPES[ConditionsFormat.docx],
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            pages=None,
            updated_at=None,
        )
    return _default
