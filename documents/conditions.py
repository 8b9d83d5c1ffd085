"""The general conditions appended to a letter, in the letter's own .docx.

The letter and its conditions become one document before LibreOffice sees it, so that one
conversion gives one PDF/A-2b whose pages are numbered through ("Page n / N" in the letter's
footer, which the conditions' pages share) and whose fonts are embedded by LibreOffice as for
any letter. The workflow's commands stay as they were: the documents worker's `render_letter`
writes the combined .docx where it wrote the letter, and `convert_to_pdf` converts it.

- Conditions given as a .docx (Sceau's default, or a firm's upload) are rendered with the
  letter's values by the caller (the same sandbox and budget as a letter), then appended with
  docxcompose (styles, numbering, images and footnotes carried over); their own headers,
  footers and page-number restarts are dropped, so every page wears the letter's footer.
- Conditions given as a PDF (a firm's upload) are printed into the letter as one image per
  page (`pdf_page_images`, poppler's pdftoppm, contained like LibreOffice): what is signed is
  exactly what the firm's PDF shows, none of its active content can reach the letter, and the
  result is PDF/A whatever fonts or colours the upload used. The cost: the conditions' text is
  not searchable in the signed PDF (a .docx upload keeps it as text).
- A bookmark, `CONDITIONS_BOOKMARK`, marks the conditions' first page; LibreOffice exports it
  as a named destination, and esignature/places.py puts signature boxes only on the pages
  before it (the letter's).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import _Footer
from docx.shared import Emu, Pt
from docx.text.paragraph import Paragraph
from docxcompose.composer import Composer
from lxml.etree import _Element

from contracts.conditions import CONDITIONS_DESTINATION
from documents.budget import DEFAULT_BUDGET, BudgetExceeded, run_within
from documents.containment import contained_command, contained_env, prepare_slot
from documents.processes import ConversionError, communicate_in_time, start_in_group
from documents.rendering import TemplateError, render_docx, template_variables
from domain.general_conditions import ConditionsFormat, ConditionsSource
from domain.kept import Kept

__all__ = [
    "CONDITIONS_BOOKMARK",
    "PDF_RESOLUTION_DPI",
    "Conditions",
    "UnprintablePdf",
    "append_conditions",
    "letter_with_conditions",
    "pdf_page_images",
]

# The named destination where the conditions start (letters only: LibreOffice escapes others).
CONDITIONS_BOOKMARK = CONDITIONS_DESTINATION
# A page printed at 150 dpi reads like the original on screen and on paper (an A4 page is
# 1240 × 1754 pixels, some 100–300 KB).
PDF_RESOLUTION_DPI = 150
# Room kept under an image so that it and its paragraph's line fit in the text area.
_IMAGE_SLACK = Emu(Pt(14))
_NUMPAGES = re.compile(r"\bNUMPAGES\b")
_STYLE_REFERENCES = (qn("w:pStyle"), qn("w:rStyle"), qn("w:tblStyle"))
_BOOKMARK_ID = "9990"


# A firm's PDF is printed once per worker process, not per letter: its pages by SHA-256.
_printed: Kept[str, tuple[bytes, ...]] = Kept(8)
# Rendered conditions by (file, the letter values they use): a firm's letters share them.
_rendered: Kept[str, bytes] = Kept(64)


class UnprintablePdf(ConversionError):
    """pdftoppm read the firm's PDF and refused it: retrying the same file cannot help."""


@dataclass(frozen=True)
class Conditions:
    """What is appended: a rendered .docx, or the images of a PDF's pages (PNG bytes)."""

    docx: bytes | None = None
    page_images: tuple[bytes, ...] = ()


def letter_with_conditions(
    letter: bytes,
    conditions: ConditionsSource,
    context: Mapping[str, object],
    *,
    hide: Sequence[Path] = (),
) -> bytes:
    """The rendered letter with the firm's conditions appended, ready for conversion.

    TemplateError (not retried) when the conditions cannot be rendered or appended;
    UnprintablePdf (not retried) when pdftoppm refuses the PDF; ConversionError (retried)
    when printing it failed otherwise (killed, timed out).
    """
    if conditions.format is ConditionsFormat.pdf:
        appended = Conditions(page_images=_printed_pages(conditions, hide))
    else:
        appended = Conditions(docx=_rendered_conditions(conditions, context))
    try:
        combined: bytes = run_within(DEFAULT_BUDGET, append_conditions, letter, appended)
    except BudgetExceeded as exceeded:
        raise TemplateError(
            f"appending the general conditions exceeds its budget: {exceeded}"
        ) from None
    except Exception as error:  # python-docx and docxcompose raise many kinds on a package
        raise TemplateError(
            f"the general conditions cannot be appended: {type(error).__name__}"
        ) from None
    return combined


def _rendered_conditions(conditions: ConditionsSource, context: Mapping[str, object]) -> bytes:
    """The conditions rendered with the letter's values, kept per (file, values it uses).

    Sceau's default names only the firm, so every letter of a firm reuses one rendering
    (about as much CPU as the letter's own, saved per letter).
    """
    try:
        used = sorted(template_variables(conditions.data) & set(context))
        values = json.dumps({name: context[name] for name in used}, sort_keys=True, default=str)
        key = hashlib.sha256(f"{conditions.sha256}\n{values}".encode()).hexdigest()
        rendered = _rendered.get(key)
        if rendered is None:
            rendered = render_docx(conditions.data, context)
            _rendered.put(key, rendered)
    except TemplateError as error:
        raise TemplateError(f"the general conditions cannot be rendered: {error}") from None
    return rendered


def _printed_pages(conditions: ConditionsSource, hide: Sequence[Path]) -> tuple[bytes, ...]:
    pages = _printed.get(conditions.sha256)
    if pages is None:
        pages = pdf_page_images(conditions.data, hide=hide)
        _printed.put(conditions.sha256, pages)
    return pages


class _Composer(Composer):  # type: ignore[misc]
    """docxcompose's composer, without its listing of every style of the letter for each
    appended paragraph that names none: ``add_styles`` has nothing to carry over for such a
    paragraph (most of the conditions'); the listings cost some 7 of the 47 ms of CPU that
    rendering and appending took per default letter here."""

    def add_styles(self, doc: DocxDocument, element: _Element) -> None:
        if next(element.iter(*_STYLE_REFERENCES), None) is not None:
            super().add_styles(doc, element)


def append_conditions(letter: bytes, conditions: Conditions) -> bytes:
    """The letter's .docx with the conditions after it, on a new page, numbered through."""
    document = Document(BytesIO(letter))
    _number_pages(document)
    if conditions.docx is not None:
        _add_marker(document)
        _Composer(document).append(Document(BytesIO(conditions.docx)))
        _run_numbering_through(document)
    else:
        _add_images(document, conditions.page_images)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- page numbers


def _page_number_paragraph(footer: _Footer) -> None:
    """A right-aligned "Page n / N" in small grey type, at the end of the footer."""
    para = footer.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    para.add_run("Page ").font.size = Pt(8)
    _field(para, "PAGE")
    para.add_run(" / ").font.size = Pt(8)
    _field(para, "NUMPAGES")


def _field(para: Paragraph, instruction: str) -> None:
    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "16")
    properties.append(size)
    run.append(properties)
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    simple.append(run)
    para._p.append(simple)


def _has_page_count(footer: _Footer) -> bool:
    element = footer._element
    instructions = [node.text or "" for node in element.iter(qn("w:instrText"))]
    instructions += [node.get(qn("w:instr"), "") for node in element.iter(qn("w:fldSimple"))]
    return any(_NUMPAGES.search(text) for text in instructions)


def _number_pages(document: DocxDocument) -> None:
    """Every footer the letter's pages use shows the page count, adding one where missing.

    A firm's template may print its own "Page x sur y"; one that prints no page count gets
    Sceau's line, so that every page of letter and conditions says where it stands.
    """
    even_pages = document.settings.odd_and_even_pages_header_footer
    for index, section in enumerate(document.sections):
        footers = [section.footer]
        if section.different_first_page_header_footer:
            footers.append(section.first_page_footer)
        if even_pages:
            footers.append(section.even_page_footer)
        for footer in footers:
            if footer.is_linked_to_previous and index > 0:
                continue  # it shows the previous section's footer, handled there
            if footer.is_linked_to_previous:
                footer.is_linked_to_previous = False
            if not _has_page_count(footer):
                _page_number_paragraph(footer)


def _run_numbering_through(document: DocxDocument) -> None:
    """No section of the appended conditions restarts the count or hides the footer."""
    for sect_pr in document.element.body.iter(qn("w:sectPr")):
        for page_numbers in sect_pr.findall(qn("w:pgNumType")):
            page_numbers.attrib.pop(qn("w:start"), None)


# --------------------------------------------------------------------------- the conditions


def _marker_paragraph(document: DocxDocument) -> Paragraph:
    """An empty paragraph opening a new page, holding the bookmark of the conditions' start."""
    para = document.add_paragraph()
    para.paragraph_format.page_break_before = True
    para.paragraph_format.space_before = Pt(0)
    para.paragraph_format.space_after = Pt(0)
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), _BOOKMARK_ID)
    start.set(qn("w:name"), CONDITIONS_BOOKMARK)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), _BOOKMARK_ID)
    para._p.append(start)
    para._p.append(end)
    return para


def _add_marker(document: DocxDocument) -> None:
    marker = _marker_paragraph(document)
    marker.paragraph_format.line_spacing = Pt(1)


def _add_images(document: DocxDocument, pages: Sequence[bytes]) -> None:
    """One PDF page per letter page, as large as the letter's text area allows."""
    section = document.sections[-1]
    width = int(section.page_width or 0) - int(section.left_margin or 0)
    width -= int(section.right_margin or 0)
    height = int(section.page_height or 0) - int(section.top_margin or 0)
    height -= int(section.bottom_margin or 0) + int(_IMAGE_SLACK)
    for number, png in enumerate(pages):
        para = _marker_paragraph(document) if number == 0 else document.add_paragraph()
        para.paragraph_format.page_break_before = True
        para.paragraph_format.space_before = Pt(0)
        para.paragraph_format.space_after = Pt(0)
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        picture = para.add_run().add_picture(BytesIO(png))
        # python-docx read the image's size at its dpi; scale it into the text area.
        scale = min(width / int(picture.width), height / int(picture.height))
        picture.width = Emu(int(int(picture.width) * scale))
        picture.height = Emu(int(int(picture.height) * scale))


# --------------------------------------------------------------------------- PDF pages


def pdf_page_images(
    pdf: bytes,
    *,
    pdftoppm: str = "pdftoppm",
    timeout: float = 60.0,
    hide: Sequence[Path] = (),
    dpi: int = PDF_RESOLUTION_DPI,
) -> tuple[bytes, ...]:
    """Each page of `pdf` as a PNG, printed by pdftoppm in the converters' box.

    The PDF was checked at upload; it is still a file a firm sent, so its reader runs with no
    network, no view of the data directory, an allow-listed environment and a time limit.
    ConversionError when pdftoppm is missing, fails or overruns.
    """
    if shutil.which(pdftoppm) is None:
        raise ConversionError(f"cannot start {pdftoppm!r}: no such executable file")
    with tempfile.TemporaryDirectory(prefix="sceau-pdftoppm-") as work_name:
        work = Path(work_name).resolve()
        tmp = prepare_slot(work)
        source = work / "conditions.pdf"
        source.write_bytes(pdf)
        out = work / "out"
        out.mkdir()
        command = contained_command(
            [pdftoppm, "-r", str(dpi), "-png", str(source), str(out / "page")],
            slot=work,
            hide=[Path(path).resolve() for path in hide],
        )
        env = contained_env(home=work, tmp=tmp)
        proc = start_in_group(command, what="pdftoppm", env=env, cwd=work)
        try:
            _, stderr = communicate_in_time(proc, timeout)
        except subprocess.TimeoutExpired as exc:
            raise ConversionError(f"pdftoppm timed out after {timeout:g} s") from exc
        if proc.returncode != 0:
            detail = stderr.decode("utf-8", "replace").strip()[-500:]
            # Killed by a signal (negative): passing. An exit code of its own: the file.
            failed = UnprintablePdf if proc.returncode > 0 else ConversionError
            raise failed(
                f"the general conditions' PDF cannot be printed (pdftoppm exit "
                f"{proc.returncode}): {detail}"
            )
        # page-1.png … page-12.png (zero-padded to the page count's width): sort by number.
        pages = sorted(out.glob("page-*.png"), key=lambda path: int(path.stem.rsplit("-", 1)[1]))
        if not pages:
            raise UnprintablePdf("the general conditions' PDF has no page pdftoppm can print")
        return tuple(path.read_bytes() for path in pages)
