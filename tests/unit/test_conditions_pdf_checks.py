"""A PDF given as general conditions is checked before it is kept: really a PDF, a bounded
number of pages, not encrypted, and nothing active or attached anywhere in it."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from documents.pdf_checks import MAX_PAGES, PdfRefused, check_conditions_pdf


def pdf(pages: int = 2, change: Callable[[PdfWriter], None] | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if change is not None:
        change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def action(kind: str, **values: str) -> DictionaryObject:
    entries = DictionaryObject({NameObject("/S"): NameObject(kind)})
    for key, value in values.items():
        entries[NameObject(f"/{key}")] = TextStringObject(value)
    return entries


def open_action(kind: str, **values: str) -> Callable[[PdfWriter], None]:
    def change(writer: PdfWriter) -> None:
        writer._root_object[NameObject("/OpenAction")] = action(kind, **values)

    return change


def link_annotation(kind: str, **values: str) -> Callable[[PdfWriter], None]:
    """An action on a link of the last page, in an indirect object of its own."""

    def change(writer: PdfWriter) -> None:
        annotation = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/Rect"): ArrayObject([NumberObject(n) for n in (0, 0, 100, 100)]),
                NameObject("/A"): writer._add_object(action(kind, **values)),
            }
        )
        page = writer.pages[-1]
        page[NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])

    return change


def test_a_plain_pdf_passes_with_its_page_count() -> None:
    assert check_conditions_pdf(pdf(3)) == 3
    assert check_conditions_pdf(pdf(MAX_PAGES)) == MAX_PAGES


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 a zip", "not a PDF"),
        (b"", "not a PDF"),
        (b"%PDF-1.7\n" + b"\x00" * 64, "cannot be read"),
        (pdf(2)[:200], "cannot be read"),
        (pdf(0), "no page"),
        (pdf(MAX_PAGES + 1), f"{MAX_PAGES + 1} pages"),
    ],
    ids=["zip", "empty", "garbage", "truncated", "no-page", "too-many-pages"],
)
def test_what_is_not_a_usable_pdf_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(PdfRefused, match=message):
        check_conditions_pdf(data)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (open_action("/JavaScript", JS="app.alert(1)"), "JavaScript"),
        (open_action("/Launch", F="calc.exe"), "launches a program"),
        (link_annotation("/JavaScript", JS="this.print()"), "JavaScript"),
        (link_annotation("/Launch", F="/bin/sh"), "launches a program"),
        (link_annotation("/SubmitForm", F="https://example.org"), "sends data"),
        (link_annotation("/GoToR", F="other.pdf"), "another file"),
        (lambda writer: writer.add_attachment("payload.exe", b"MZ"), "embedded files"),
        (lambda writer: writer.encrypt("secret"), "encrypted"),
    ],
    ids=[
        "js-open",
        "launch-open",
        "js-link",
        "launch-link",
        "submit",
        "remote-goto",
        "attachment",
        "encrypted",
    ],
)
def test_active_attached_or_encrypted_content_is_refused(
    change: Callable[[PdfWriter], None], message: str
) -> None:
    with pytest.raises(PdfRefused, match=message):
        check_conditions_pdf(pdf(2, change))


def test_a_page_of_absurd_size_is_refused() -> None:
    writer = PdfWriter()
    writer.add_blank_page(100_000, 842)
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(PdfRefused, match="unusable size"):
        check_conditions_pdf(out.getvalue())
