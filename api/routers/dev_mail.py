"""The e-mail the local catcher received (domain/mail_catcher.py), for `sceau run`'s demo.

Served only when the API runs with `SCEAU_DEMO` (set by `sceau run` for its own API); any
other API answers 404, so a production deployment shows nothing of it. Left out of the
OpenAPI schema: a page for people, not part of the API.
"""

from __future__ import annotations

import html
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse

from domain.mail_catcher import FILE_NAME
from domain.settings import get_settings

router = APIRouter(tags=["demo"], include_in_schema=False)

PAGE = """<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><title>{title}</title><link rel="icon" href="data:,">
<style>body{{font-family:sans-serif;margin:2rem;max-width:60rem}}
table{{border-collapse:collapse}}td,th{{padding:.3rem .8rem;text-align:left;
border-bottom:1px solid #ccc}}pre{{white-space:pre-wrap}}</style></head>
<body>
{body}
</body>
</html>
"""


# An http(s) URL in a message's text, up to a space or a character that cannot end it.
URL = re.compile(r"https?://[^\s<>\"']+")
TRAILING = ".,;:!?)]"


def _linked(text: str) -> str:
    """The text escaped, each http(s) URL in it a link (escaped as well)."""
    parts = []
    start = 0
    for match in URL.finditer(text):
        url = match.group().rstrip(TRAILING)
        end = match.start() + len(url)
        if url.endswith("://"):
            continue
        parts.append(html.escape(text[start : match.start()]))
        escaped = html.escape(url)
        parts.append(f'<a href="{escaped}" rel="noreferrer">{escaped}</a>')
        start = end
    parts.append(html.escape(text[start:]))
    return "".join(parts)


def _mail_dir() -> Path:
    settings = get_settings()
    if not settings.demo:
        raise HTTPException(status_code=404, detail="Not Found")
    return settings.mail_dir


def _read(path: Path) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert isinstance(message, EmailMessage)
    return message


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(PAGE.format(title=html.escape(title), body=body))


@router.get("/dev/mail", response_class=HTMLResponse)
def caught_mail() -> HTMLResponse:
    directory = _mail_dir()
    names = sorted(
        (path.name for path in directory.glob("*.eml") if FILE_NAME.match(path.name)),
        reverse=True,  # the newest first
    )
    rows = []
    for name in names:
        message = _read(directory / name)
        rows.append(
            '<tr><td>{date}</td><td>{to}</td><td><a href="/dev/mail/{link}">{subject}</a>'
            "</td></tr>".format(
                date=html.escape(str(message["Date"] or "")),
                to=html.escape(str(message["To"] or "")),
                link=html.escape(name),
                subject=html.escape(str(message["Subject"] or "(sans objet)")),
            )
        )
    table = (
        "<table><thead><tr><th>Date</th><th>Destinataire</th><th>Objet</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        if rows
        else "<p>Aucun e-mail pour l'instant.</p>"
    )
    return _page("E-mails envoyés", f"<h1>E-mails envoyés</h1>\n{table}")


@router.get("/dev/mail/{name}", response_class=HTMLResponse)
def caught_message(name: str) -> HTMLResponse:
    directory = _mail_dir()
    path = directory / name
    if not FILE_NAME.match(name) or not path.is_file():
        raise HTTPException(status_code=404, detail="Not Found")
    message = _read(path)
    part = message.get_body(preferencelist=("plain",))
    text = part.get_content() if isinstance(part, EmailMessage) else ""
    headers = "".join(
        f"<dt>{label}</dt><dd>{html.escape(str(message[header] or ''))}</dd>"
        for label, header in (
            ("De", "From"),
            ("À", "To"),
            ("Date", "Date"),
            ("Objet", "Subject"),
            ("Message-ID", "Message-ID"),
        )
    )
    subject = str(message["Subject"] or "(sans objet)")
    return _page(
        subject,
        f'<p><a href="/dev/mail">← E-mails envoyés</a></p><h1>{html.escape(subject)}</h1>'
        f"<dl>{headers}</dl><pre>{_linked(text)}</pre>",
    )
