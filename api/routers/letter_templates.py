"""Letter templates: the built-in default and the firm's uploads, checked before they are kept."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session, col, select

from api.deps import DbSession, FirmStaff
from api.limits import read_capped
from api.schemas import ErrorOut, Line, TemplateOut
from api.services.sessions import in_session
from api.services.template_uploads import checked_template
from documents.rendering import template_variables
from domain.ged import blob_store
from domain.letter_templates import (
    DEFAULT_TEMPLATE_ID,
    DEFAULT_TEMPLATE_NAME,
    DEFAULT_TEMPLATE_PATH,
)
from domain.models import LetterTemplate
from domain.settings import get_settings

router = APIRouter(prefix="/v1/letter-templates", tags=["letter templates"])


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


@router.post(
    "",
    status_code=201,
    response_model=TemplateOut,
    responses={413: {"model": ErrorOut, "description": "The template is too large"}},
)
async def upload_template(
    staff: FirmStaff,
    file: Annotated[UploadFile, File()],
    name: Annotated[Line, Form(min_length=1, max_length=200)],
) -> TemplateOut:
    max_bytes = get_settings().template_max_bytes
    data = await read_capped(file, max_bytes, "a template")
    variables = await checked_template(
        file.filename,
        data,
        max_bytes,
        refused="this template cannot be used",
        unknown_values="the template uses values Sceau does not provide",
    )
    sha256 = await run_in_threadpool(blob_store().put, data)
    template = LetterTemplate(
        firm_id=staff.firm, name=name, sha256=sha256, variables=sorted(variables)
    )
    return await in_session(partial(_keep, template=template), actor=staff.actor)


def _keep(session: Session, template: LetterTemplate) -> TemplateOut:
    """Record the checked template (in a worker thread)."""
    session.add(template)
    session.flush()
    return TemplateOut(**template.model_dump())
