"""Jinja2 for the pages: autoescaped, strict about missing values, French filters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.responses import HTMLResponse

from web.actors import actor, person_or_actor
from web.audit_actions import audit_action
from web.auth import visitor_of
from web.csrf import form_token, remember_anonymous_token
from web.formatting import FILTERS
from web.timeline import timeline_reason

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
STATIC_URL = "/static"

# Everything a page shows passes through autoescape: a client named `<script>` is text.
# StrictUndefined: a misspelt variable fails the page's test instead of rendering empty.
environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters.update(FILTERS)
# The workflows' English timeline reasons, in French on the pages (the API keeps them).
environment.filters["timeline_reason"] = timeline_reason
# The system's actors ("sceau", "signers") and the audit log's codes, likewise.
environment.filters["actor"] = actor
environment.filters["person_or_actor"] = person_or_actor
environment.filters["audit_action"] = audit_action

# Pages never load anything from elsewhere, run no inline script and cannot be framed by
# another site; what a page shows is the signed-in person's: never cached by the browser.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-src 'self'; object-src 'self'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'self'"
    ),
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """``template`` rendered with ``context``, plus what the layout needs: the signed-in
    visitor (or None), the form token, the current path."""
    values: dict[str, Any] = {
        "request": request,
        "visitor": visitor_of(request),
        "csrf_token": form_token(request),
        "path": request.url.path,
        "static": STATIC_URL,
    }
    values.update(context or {})
    html = environment.get_template(template).render(values)
    response = HTMLResponse(
        html, status_code=status_code, headers={**PAGE_HEADERS, **(headers or {})}
    )
    remember_anonymous_token(request, response)
    return response
