"""The checks an uploaded .docx template passes before it is kept (a letter template, or a
firm's general conditions): the package, the values it names, its expressions."""

from __future__ import annotations

from functools import partial

from api.errors import invalid
from api.services.sessions import in_thread
from documents.rendering import TemplateError, template_variables
from documents.template_checks import check_template_expressions
from domain.letter import CONTEXT_VARIABLES
from domain.office_packages import PackageRefused, check_template_package


async def checked_template(
    filename: str | None, data: bytes, max_bytes: int, *, refused: str, unknown_values: str
) -> set[str]:
    """The template's variables, or a 422: `refused` ("this template cannot be used") and the
    reason, or `unknown_values` and the values Sceau does not provide.

    The package first (zip bombs, macros, DTDs): nothing is inflated before it passes. Off the
    event loop, as every check here: it reads each part of up to 50 MiB inflated.
    """
    try:
        await in_thread(partial(check_template_package, filename, data, max_bytes))
        variables = await in_thread(partial(template_variables, data))
    except (PackageRefused, TemplateError) as error:
        raise invalid(f"{refused}: {error}") from None
    unknown = sorted(variables - CONTEXT_VARIABLES)
    if unknown:
        raise invalid(
            f"{unknown_values}: {', '.join(unknown)}",
            {"unknown": unknown, "available": sorted(CONTEXT_VARIABLES)},
        )
    try:
        await in_thread(partial(check_template_expressions, data))
    except TemplateError as error:
        raise invalid(f"{refused}: {error}") from None
    return variables
