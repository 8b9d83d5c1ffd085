"""The firm's general conditions (CGI), appended to each of its letters: Sceau's default until
the firm uploads its own (.docx template or PDF), checked before anything is kept."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile

from api.deps import FirmStaff
from api.limits import read_capped
from api.schemas import ErrorOut, GeneralConditionsOut, Line
from api.services import general_conditions as service
from domain.settings import get_settings
from domain.uploads import content_disposition

router = APIRouter(prefix="/v1/general-conditions", tags=["general conditions"])


@router.get("", response_model=GeneralConditionsOut)
async def get_general_conditions(staff: FirmStaff) -> GeneralConditionsOut:
    """The conditions the firm's next letters carry: `source` is `firm` or `default`."""
    return await service.current_conditions(staff.firm)


@router.get("/content")
async def get_general_conditions_content(staff: FirmStaff) -> Response:
    """The file itself: the firm's .docx or PDF, or Sceau's default .docx template."""
    data, described = await service.conditions_file(staff.firm)
    extension = described.format
    return Response(
        data,
        media_type=described.content_type,
        headers={
            "Content-Disposition": content_disposition(
                "attachment", f"conditions-generales.{extension}"
            ),
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.put(
    "",
    response_model=GeneralConditionsOut,
    responses={413: {"model": ErrorOut, "description": "The file is too large"}},
)
async def put_general_conditions(
    staff: FirmStaff,
    file: Annotated[UploadFile, File()],
    name: Annotated[Line, Form(min_length=1, max_length=200)] = "Conditions générales",
) -> GeneralConditionsOut:
    """Replace the firm's general conditions with a .docx (a template with the letter's
    values) or a PDF; letters already filed keep theirs."""
    max_bytes = get_settings().template_max_bytes
    data = await read_capped(file, max_bytes, "general conditions")
    checked = await service.check_upload(file.filename, data, max_bytes)
    return await service.replace_conditions(staff.firm, name, data, checked, staff.actor)


@router.delete("", status_code=204)
async def delete_general_conditions(staff: FirmStaff) -> Response:
    """Back to Sceau's default conditions (404 when the firm has none of its own)."""
    await service.remove_conditions(staff.firm, staff.actor)
    return Response(status_code=204)
