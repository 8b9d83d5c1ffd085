"""Word packages built for tests: a plain document, and one with parts swapped or added."""

from __future__ import annotations

import zipfile
from io import BytesIO

import docx


def word_document(*paragraphs: str) -> bytes:
    """A .docx with one paragraph (one run) per string, so each expression stays whole."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def with_parts(source: bytes, parts: dict[str, bytes]) -> bytes:
    """``source``'s package with each named part replaced, or added when it has none."""
    out = BytesIO()
    pending = dict(parts)
    with zipfile.ZipFile(BytesIO(source)) as old, zipfile.ZipFile(out, "w") as new:
        for entry in old.infolist():
            data = pending.pop(entry.filename, None)
            new.writestr(entry, data if data is not None else old.read(entry))
        for name, data in pending.items():
            new.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()
