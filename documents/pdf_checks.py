"""Upload-time checks of a PDF a firm gives as its general conditions.

The PDF is never merged into a letter as it is (documents/conditions.py prints its pages as
images), but it is kept, shown back, and read by pdftoppm for each letter, so a file that is
not what it claims, that would run something in a reader, or that would cost a worker minutes
is refused now, with a message the firm can act on:

- really a PDF (the header, then pypdf reads its cross-reference and every object);
- not encrypted (it could not be printed, nor checked);
- at least one page and at most `MAX_PAGES`, each of a sane size;
- no JavaScript, launch or other actions that reach outside the document, no embedded or
  attached files, no forms that submit or import data, no XFA or rich media.

pypdf is pure Python and a crafted file can make it slow, so callers run the check in a child
process on a budget (documents.budget.run_within), as a template's rendering.
"""

from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject

__all__ = ["MAX_PAGES", "PdfRefused", "check_conditions_pdf"]

MAX_PAGES = 30
# An A0 sheet is 2384 × 3370 points; anything larger is not a page of conditions.
_MAX_SIDE_POINTS = 3400.0
_MAX_OBJECTS = 200_000

# Names that, as a key or a value anywhere in the file, mean active or outside content.
_FORBIDDEN = {
    "/JavaScript": "JavaScript",
    "/JS": "JavaScript",
    "/Launch": "an action that launches a program",
    "/EmbeddedFiles": "embedded files",
    "/EmbeddedFile": "embedded files",
    "/FileAttachment": "attached files",
    "/SubmitForm": "a form that sends data",
    "/ImportData": "a form that imports data",
    "/GoToR": "a link to another file",
    "/GoToE": "a link to an embedded file",
    "/XFA": "an XFA form",
    "/RichMedia": "rich media",
    "/Sound": "sound",
    "/Movie": "a movie",
}


class PdfRefused(ValueError):
    """The PDF cannot be used as general conditions; the message says why, for the firm."""


def check_conditions_pdf(data: bytes) -> int:
    """The PDF's page count, or PdfRefused."""
    if not data.lstrip(b"\x00\t\n\r\f ")[:5] == b"%PDF-":
        raise PdfRefused("not a PDF file")
    try:
        reader = PdfReader(BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise PdfRefused("the PDF is encrypted or password-protected")
        pages = len(reader.pages)
        if pages < 1:
            raise PdfRefused("the PDF has no page")
        if pages > MAX_PAGES:
            raise PdfRefused(f"the PDF has {pages} pages; general conditions may have {MAX_PAGES}")
        for number, page in enumerate(reader.pages, start=1):
            box = page.mediabox
            width, height = float(box.width), float(box.height)
            if not (0 < width <= _MAX_SIDE_POINTS and 0 < height <= _MAX_SIDE_POINTS):
                raise PdfRefused(f"page {number} has an unusable size ({width:g} × {height:g} pt)")
        _refuse_active_content(reader)
    except PdfRefused:
        raise
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise PdfRefused(f"the PDF cannot be read ({type(error).__name__})") from None
    except (RecursionError, MemoryError):
        raise PdfRefused("the PDF cannot be read (too deeply nested)") from None
    return pages


def _refuse_active_content(reader: PdfReader) -> None:
    """Walk every object the file holds (object streams included), and the trailer."""
    seen = 0
    for number in _object_numbers(reader):
        seen += 1
        if seen > _MAX_OBJECTS:
            raise PdfRefused("the PDF holds too many objects")
        try:
            value = reader.get_object(number)
        except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError):
            continue  # a broken object that nothing uses: pdftoppm will skip it too
        _refuse_in(value)
    _refuse_in(reader.trailer)


def _object_numbers(reader: PdfReader) -> list[int]:
    numbers: set[int] = set()
    for table in reader.xref.values():
        numbers.update(table)
    numbers.update(reader.xref_objStm)
    return sorted(numbers)


def _refuse_in(value: PdfObject | None) -> None:
    """Look through one object's direct values (indirect ones are visited on their own)."""
    stack: list[PdfObject | None] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject) or item is None:
            continue
        if isinstance(item, NameObject):
            _refuse_name(str(item))
        elif isinstance(item, DictionaryObject):
            for key, inner in item.items():
                _refuse_name(str(key))
                stack.append(inner)
        elif isinstance(item, ArrayObject):
            stack.extend(item)


def _refuse_name(name: str) -> None:
    what = _FORBIDDEN.get(name)
    if what is not None:
        raise PdfRefused(f"the PDF holds {what}, which general conditions may not")
