"""Small text-only PDF pages built with pypdf alone (no reportlab).

Pages use the standard Helvetica fonts with WinAnsiEncoding, so French text (accents, « », €,
œ) shows and extracts correctly; characters outside Windows-1252 are shown as ``?``.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ContentStream, DictionaryObject, NameObject

A4_WIDTH = 595.28
A4_HEIGHT = 841.89
MARGIN = 56.0
BOTTOM = 56.0


@dataclass(frozen=True)
class Line:
    """One line of text; long lines are wrapped when laid out."""

    text: str
    size: float = 10.0
    bold: bool = False
    space_before: float = 0.0


def pdf_string(text: str) -> bytes:
    """``text`` as a PDF literal string in WinAnsiEncoding, parentheses included."""
    out = bytearray(b"(")
    for byte in text.encode("cp1252", errors="replace"):
        if byte in (0x28, 0x29, 0x5C):  # ( ) \
            out += b"\\" + bytes([byte])
        elif byte < 0x20 or byte > 0x7E:
            out += b"\\%03o" % byte
        else:
            out.append(byte)
    out += b")"
    return bytes(out)


def _font(base: str) -> DictionaryObject:
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject(base),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )


def _wrap(line: Line) -> list[str]:
    # Helvetica averages about half an em a character; keep a margin for wide glyphs.
    width = max(20, int((A4_WIDTH - 2 * MARGIN) / (line.size * 0.6)))
    if not line.text:
        return [""]
    return textwrap.wrap(line.text, width=width, break_long_words=True) or [""]


def _layout(lines: Sequence[Line]) -> list[list[tuple[Line, str, float]]]:
    """Split lines into pages: each item is (style, text, baseline y)."""
    pages: list[list[tuple[Line, str, float]]] = [[]]
    y = A4_HEIGHT - MARGIN
    for line in lines:
        for i, text in enumerate(_wrap(line)):
            leading = line.size * 1.4 + (line.space_before if i == 0 else 0.0)
            if y - leading < BOTTOM and pages[-1]:
                pages.append([])
                y = A4_HEIGHT - MARGIN
                leading = line.size * 1.4
            y -= leading
            pages[-1].append((line, text, y))
    return pages


def add_text_pages(writer: PdfWriter, lines: Sequence[Line]) -> int:
    """Append A4 pages showing ``lines`` to ``writer``; returns how many were added."""
    layout = _layout(lines)
    for placed in layout:
        page = writer.add_blank_page(width=A4_WIDTH, height=A4_HEIGHT)
        ops = bytearray()
        for style, text, y in placed:
            font = b"/F2" if style.bold else b"/F1"
            ops += b"BT %s %.1f Tf %.2f %.2f Td %s Tj ET\n" % (
                font,
                style.size,
                MARGIN,
                y,
                pdf_string(text),
            )
        stream = ContentStream(None, writer)
        stream.set_data(bytes(ops))
        page.replace_contents(stream)
        page[NameObject("/Resources")] = DictionaryObject(
            {
                NameObject("/Font"): DictionaryObject(
                    {
                        NameObject("/F1"): _font("/Helvetica"),
                        NameObject("/F2"): _font("/Helvetica-Bold"),
                    }
                )
            }
        )
    return len(layout)


def text_pdf(lines: Sequence[Line], title: str | None = None) -> bytes:
    """A standalone PDF of ``lines``."""
    writer = PdfWriter()
    add_text_pages(writer, lines)
    if title:
        writer.add_metadata({"/Title": title})
    return _write(writer)


def append_pages(originals: Sequence[bytes], lines: Sequence[Line]) -> bytes:
    """The pages of every PDF of ``originals`` in order, then pages showing ``lines``."""
    writer = PdfWriter()
    for original in originals:
        writer.append(PdfReader(io.BytesIO(original)))
    add_text_pages(writer, lines)
    return _write(writer)


def page_count(pdf: bytes) -> int:
    """Pages in ``pdf``; raises ``ValueError`` when it is not a readable PDF."""
    try:
        return len(PdfReader(io.BytesIO(pdf)).pages)
    except Exception as exc:  # pypdf raises many kinds of errors on bad input
        raise ValueError(f"not a readable PDF: {exc}") from exc


def _write(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
