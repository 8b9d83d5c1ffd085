"""Letter templates: the built-in default and the firm's uploads, checked before they are kept."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from sqlmodel import col, select

from activities.rendering import TemplateError, template_variables
from api.deps import DbSession, FirmStaff
from api.errors import invalid
from api.schemas import TemplateOut
from domain.ged import blob_store
from domain.letter import CONTEXT_VARIABLES
from domain.letter_templates import (
    DEFAULT_TEMPLATE_ID,
    DEFAULT_TEMPLATE_NAME,
    DEFAULT_TEMPLATE_PATH,
)
from domain.models import LetterTemplate

router = APIRouter(prefix="/v1/letter-templates", tags=["letter templates"])

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024


@router.get("", response_model=list[TemplateOut])
def list_templates(session: DbSession, staff: FirmStaff) -> list[TemplateOut]:
    default = TemplateOut(
        id=DEFAULT_TEMPLATE_ID,
        name=DEFAULT_TEMPLATE_NAME,
        variables=sorted(template_variables(DEFAULT_TEMPLATE_PATH.read_bytes())),
    )
    uploaded = session.exec(
        select(LetterTemplate)
        .where(LetterTemplate.firm_id == staff.firm)
        .order_by(col(LetterTemplate.created_at))
    )
    return [default] + [TemplateOut(**t.model_dump()) for t in uploaded]


@router.post("", status_code=201, response_model=TemplateOut)
async def upload_template(
    session: DbSession,
    staff: FirmStaff,
    file: Annotated[UploadFile, File()],
    name: Annotated[str, Form(min_length=1, max_length=200)],
) -> TemplateOut:
    if "\x00" in name:
        raise invalid("name: text cannot contain NUL characters")
    data = await file.read(MAX_TEMPLATE_BYTES + 1)
    if len(data) > MAX_TEMPLATE_BYTES:
        raise invalid(f"a template is at most {MAX_TEMPLATE_BYTES // (1024 * 1024)} MiB")
    try:
        variables = template_variables(data)
    except TemplateError as error:
        raise invalid(f"this template cannot be used: {error}") from None
    unknown = sorted(variables - CONTEXT_VARIABLES)
    if unknown:
        raise invalid(
            f"the template uses values Sceau does not provide: {', '.join(unknown)}",
            {"unknown": unknown, "available": sorted(CONTEXT_VARIABLES)},
        )
    template = LetterTemplate(
        firm_id=staff.firm, name=name, sha256=blob_store().put(data), variables=sorted(variables)
    )
    session.add(template)
    session.flush()
    return TemplateOut(**template.model_dump())
