"""The general conditions appended to a letter: one PDF/A-2b, numbered through, signed on the
letter's pages only — with Sceau's default conditions, a firm's .docx, or a firm's PDF.

Rendered as the documents worker does (documents.conditions.letter_with_conditions) and
converted by a real warm LibreOffice (the pool the worker uses).
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject

from documents.conditions import UnprintablePdf, letter_with_conditions, pdf_page_images
from documents.converter_pool import ConverterPool
from documents.pdf import pdf_text, pdfa_part
from documents.rendering import render_docx
from domain.general_conditions import DEFAULT_CONDITIONS_PATH, ConditionsFormat, ConditionsSource
from esignature.places import letter_pages, signature_places
from tests.documents import word_document
from tests.integration.test_converter_pool import SYSTEM_PYTHON, embedded_fonts
from tests.integration.test_letter_rendering import TEMPLATE, normalise, sample_context

pytestmark = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
    reason="LibreOffice and poppler-utils are needed",
)

DEFAULT_SECTIONS = [
    "Conditions générales d'intervention",
    "Responsabilité et assurance",
    "Secret professionnel",
    "Données personnelles",
    "Obligations du client",
    "Honoraires et retards de paiement",
    "indemnité forfaitaire pour frais de recouvrement de 40 €",
    "Durée et résiliation",
    "Litiges et médiation",
]
PAGE_MARK = re.compile(r"Page (\d+) / (\d+)")


@pytest.fixture(scope="module")
def pool() -> Iterator[ConverterPool]:
    with ConverterPool(1, python=SYSTEM_PYTHON) as running:
        yield running


def source(data: bytes, kind: ConditionsFormat) -> ConditionsSource:
    return ConditionsSource(kind, data, hashlib.sha256(data).hexdigest())


def convert(pool: ConverterPool, docx: bytes, tmp_path: Path, name: str = "lettre") -> bytes:
    path = tmp_path / f"{name}.docx"
    path.write_bytes(docx)
    return pool.convert(path, tmp_path / "out", timeout=120).read_bytes()


def letter_alone(pool: ConverterPool, tmp_path: Path, template: bytes | None = None) -> bytes:
    letter = render_docx(template or TEMPLATE.read_bytes(), sample_context())
    return convert(pool, letter, tmp_path, "seule")


def combined(
    pool: ConverterPool,
    tmp_path: Path,
    conditions: ConditionsSource,
    template: bytes | None = None,
) -> bytes:
    context = sample_context()
    letter = render_docx(template or TEMPLATE.read_bytes(), context)
    return convert(pool, letter_with_conditions(letter, conditions, context), tmp_path)


def two_pages(first: str, second: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(first)
    document.add_page_break()
    document.add_paragraph(second)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def page_texts(pdf: bytes) -> list[str]:
    return [normalise(text) for text in pdf_text(pdf).split("\f")]


def assert_numbered_through(pdf: bytes) -> None:
    """Every page says "Page n / N", n its own number and N the whole document's count."""
    texts = page_texts(pdf)
    total = len(texts)
    for number, text in enumerate(texts, start=1):
        marks = {(int(n), int(of)) for n, of in PAGE_MARK.findall(text)}
        assert (number, total) in marks, f"page {number}: {marks or 'no page number'}"


def assert_pdfa_with_fonts_embedded(pdf: bytes) -> None:
    assert pdfa_part(pdf) == ("2", "B")
    fonts = embedded_fonts(pdf)
    assert fonts and all(fonts.values()), fonts


def test_the_default_conditions_follow_the_letter_in_one_numbered_pdfa(
    pool: ConverterPool, tmp_path: Path
) -> None:
    alone = letter_alone(pool, tmp_path)
    default = source(DEFAULT_CONDITIONS_PATH.read_bytes(), ConditionsFormat.docx)
    pdf = combined(pool, tmp_path, default)

    letter_count = len(PdfReader(BytesIO(alone)).pages)
    texts = page_texts(pdf)
    assert len(texts) > letter_count
    # The letter's pages, then the conditions' from a page of their own, with the firm named.
    assert "Lettre de mission" in texts[0]
    assert not any("Secret professionnel" in text for text in texts[:letter_count])
    conditions_text = "\n".join(texts[letter_count:])
    for section in DEFAULT_SECTIONS:
        assert section in conditions_text, section
    assert "Cabinet Martin & Associés" in conditions_text
    assert "Paris Île-de-France" in conditions_text
    assert_numbered_through(pdf)
    assert_pdfa_with_fonts_embedded(pdf)
    # The signature boxes stay on the letter's pages: the conditions are signed with it.
    assert letter_pages(pdf) == letter_count
    places = signature_places(pdf, ["Jean O'Dupont", "Claire Martin-Lefèvre"])
    assert places is not None
    assert {place.page for place in places} == {letter_count}


def test_a_firm_docx_is_used_instead_of_the_default(pool: ConverterPool, tmp_path: Path) -> None:
    own = word_document(
        "Conditions du cabinet {{ firm.name }}",
        "Article unique : le client {{ client.name }} paie à trente jours.",
    )
    pdf = combined(pool, tmp_path, source(own, ConditionsFormat.docx))
    text = normalise(pdf_text(pdf))
    assert "Conditions du cabinet Cabinet Martin & Associés" in text
    assert "Article unique : le client" in text
    assert "Secret professionnel" not in text
    assert_numbered_through(pdf)
    assert_pdfa_with_fonts_embedded(pdf)


def test_a_firm_pdf_is_appended_page_by_page(pool: ConverterPool, tmp_path: Path) -> None:
    # The firm's PDF: two pages of its own, not PDF/A, made here by LibreOffice.
    own = convert(pool, two_pages("CONDITIONS DU CABINET DUPONT", "Page deux"), tmp_path, "cgv")
    assert len(PdfReader(BytesIO(own)).pages) == 2
    alone = letter_alone(pool, tmp_path)
    pdf = combined(pool, tmp_path, source(own, ConditionsFormat.pdf))

    letter_count = len(PdfReader(BytesIO(alone)).pages)
    reader = PdfReader(BytesIO(pdf))
    assert len(reader.pages) == letter_count + 2
    for page in reader.pages[letter_count:]:
        resources = page["/Resources"].get_object()
        assert isinstance(resources, DictionaryObject)
        images = resources.get("/XObject")
        assert images, "each page of the firm's PDF is printed on a page of the letter"
    assert "Secret professionnel" not in normalise(pdf_text(pdf))
    assert_numbered_through(pdf)
    assert_pdfa_with_fonts_embedded(pdf)
    assert letter_pages(pdf) == letter_count


def test_a_letter_template_without_page_numbers_gets_them(
    pool: ConverterPool, tmp_path: Path
) -> None:
    bare = word_document("Lettre pour {{ client.name }}", "Signature : {{ client.name }}")
    default = source(DEFAULT_CONDITIONS_PATH.read_bytes(), ConditionsFormat.docx)
    pdf = combined(pool, tmp_path, default, template=bare)
    texts = page_texts(pdf)
    assert len(texts) >= 3
    assert "Lettre pour" in texts[0]
    assert "Responsabilité et assurance" in "\n".join(texts[1:])
    assert_numbered_through(pdf)
    assert letter_pages(pdf) == 1


def test_a_pdf_pdftoppm_refuses_is_not_retried_and_a_good_one_prints_each_page() -> None:
    with pytest.raises(UnprintablePdf, match="cannot be printed"):
        pdf_page_images(b"%PDF-1.7\n" + b"\x00" * 64)
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(595, 842)
    out = BytesIO()
    writer.write(out)
    pages = pdf_page_images(out.getvalue())
    assert len(pages) == 3
    assert all(page.startswith(b"\x89PNG") for page in pages)
