"""The default letter template, rendered with docxtpl and converted by a real LibreOffice."""

from __future__ import annotations

import re
import shutil
import threading
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

import docx
import jinja2
import pytest

from documents.pdf import ConversionError, convert_to_pdf, pdf_text, pdfa_part
from documents.rendering import TemplateError, _render_here, render_docx, template_variables
from tests.documents import word_document

TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "lettre_de_mission.docx"
CLIENT_NAME = 'Dupont & Fils <SARL> "L\'Atelier" — Café Éléphant 🐘'
CONTEXT_KEYS = {
    "firm",
    "firm_representative",
    "client",
    "client_representative",
    "mission",
    "lines",
    "totals",
    "letter",
}

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"
)


def sample_context(lines: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    if lines is None:
        lines = [
            {
                "code": "TENUE",
                "name": "Tenue comptable",
                "description": "Saisie des pièces & rapprochements bancaires <mensuels>.",
                "price": "350,00 €",
                "frequency_label": "Mensuelle",
                "occurrences": 12,
                "yearly_amount": "4 200,00 €",
            },
            {
                "code": "TVA",
                "name": "Déclarations de TVA",
                "description": "",
                "price": "90,00 €",
                "frequency_label": "Trimestrielle",
                "occurrences": 4,
                "yearly_amount": "360,00 €",
            },
            {
                "code": "BILAN",
                "name": "Comptes annuels & liasse",
                "description": "Établissement des comptes annuels et de la liasse fiscale.",
                "price": "1 234,50 €",
                "frequency_label": "Annuelle",
                "occurrences": 1,
                "yearly_amount": "1 234,50 €",
            },
        ]
    return {
        "firm": {
            "name": "Cabinet Martin & Associés",
            "legal_form": "SAS",
            "address": "12 rue de la Paix, 75002 Paris",
            "siren": "123 456 789",
            "vat_number": "FR12 123456789",
            "ordre_council": "Paris Île-de-France",
            "city": "Paris",
        },
        "firm_representative": {
            "first_name": "Claire",
            "last_name": "Martin-Lefèvre",
            "full_name": "Claire Martin-Lefèvre",
            "title": "Expert-comptable associée",
            "email": "claire@martin.example",
        },
        "client": {
            "name": CLIENT_NAME,
            "legal_form": "SARL",
            "siren": "987 654 321",
            "address": "3 place du Marché, 69001 Lyon",
            "activity": "Restauration traditionnelle",
            "fiscal_year_end": "31 décembre",
        },
        "client_representative": {
            "first_name": "Jean",
            "last_name": "O'Dupont",
            "full_name": "Jean O'Dupont",
            "title": "Gérant",
            "email": "jean@dupont.example",
            "phone": "06 12 34 56 78",
        },
        "mission": {
            "name": "Tenue et surveillance 2027",
            "period_start": "1er janvier 2027",
            "period_end": "31 décembre 2027",
            "duration": "12 mois",
            "frequency": "Mensuelle",
            "frequency_label": "mensuellement",
        },
        "lines": lines,
        "totals": {
            "excl_vat": "5 794,50 €",
            "vat": "1 158,90 €",
            "incl_vat": "6 953,40 €",
            "vat_rate": "20 %",
        },
        "letter": {"date": "15 décembre 2026", "place": "Paris", "version": 1},
    }


_LIGATURES = str.maketrans(
    {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"}
)


def normalise(text: str) -> str:
    """Make PDF text comparable with what was merged, and no more.

    A PDF holds positioned glyphs, not the entered string: LibreOffice wraps long values over
    several lines (so extraction yields newlines, or a space per line end), the extractor may
    emit no-break spaces for the spaces of a justified line, and Carlito draws "ff", "fi",
    "ffi" as ligature glyphs that may come back as U+FB00..U+FB04. So whitespace runs become
    one space and those ligatures are expanded; every other character (&, <, >, quotes,
    dashes, accents, emoji) must come back exactly as it went in.
    """
    return re.sub(r"\s+", " ", text.translate(_LIGATURES)).strip()


def render_and_convert(context: dict[str, Any], out_dir: Path) -> bytes:
    rendered = out_dir / "lettre.docx"
    rendered.write_bytes(render_docx(TEMPLATE.read_bytes(), context))
    pdf_path = convert_to_pdf(rendered, out_dir / "pdf")
    assert pdf_path == out_dir / "pdf" / "lettre.pdf"
    # Only the final PDF is visible: no partial file is left behind.
    assert sorted(p.name for p in (out_dir / "pdf").iterdir()) == ["lettre.pdf"]
    return pdf_path.read_bytes()


@pytest.fixture(scope="module")
def letter_pdf(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    return render_and_convert(sample_context(), tmp_path_factory.mktemp("letter"))


# ---------------------------------------------------------------- the default template


def test_default_template_exists_and_uses_exactly_the_context_keys() -> None:
    assert TEMPLATE.is_file(), "run templates/build_default_letter.py"
    assert template_variables(TEMPLATE.read_bytes()) == CONTEXT_KEYS


def test_merged_values_are_kept_verbatim_in_the_docx() -> None:
    context = sample_context()
    tricky = "A&B <b>x</b> \"q\" 'a' é 🐘 {_{ not a tag }_} {_% x %_} snake_case"
    context["client"]["activity"] = tricky
    rendered = docx.Document(BytesIO(render_docx(TEMPLATE.read_bytes(), context)))
    texts = [p.text for p in rendered.paragraphs]
    texts += [cell.text for table in rendered.tables for row in table.rows for cell in row.cells]
    assert any(CLIENT_NAME in text for text in texts)
    assert any(tricky in text for text in texts)
    assert not any("{{" in text or "{%" in text for text in texts)


def test_fees_table_has_one_row_per_line() -> None:
    rendered = docx.Document(BytesIO(render_docx(TEMPLATE.read_bytes(), sample_context())))
    fees = next(t for t in rendered.tables if t.rows[0].cells[0].text == "Prestation")
    header = [cell.text for cell in fees.rows[0].cells]
    assert header == ["Prestation", "Fréquence", "Prix unitaire HT", "Montant annuel HT"]
    rows = [[cell.text for cell in row.cells] for row in fees.rows[1:]]
    assert rows[:3] == [
        ["Tenue comptable", "Mensuelle", "350,00 €", "4 200,00 €"],
        ["Déclarations de TVA", "Trimestrielle", "90,00 €", "360,00 €"],
        ["Comptes annuels & liasse", "Annuelle", "1 234,50 €", "1 234,50 €"],
    ]
    assert [row[-1] for row in rows[3:]] == ["5 794,50 €", "1 158,90 €", "6 953,40 €"]
    assert rows[4][0] == "TVA (20 %)"


@needs_soffice
def test_letter_pdf_holds_every_merged_value(letter_pdf: bytes) -> None:
    text = normalise(pdf_text(letter_pdf))
    context = sample_context()
    assert CLIENT_NAME in text
    for line in context["lines"]:
        assert line["name"] in text
        assert line["price"] in text
        assert line["yearly_amount"] in text
    for value in context["totals"].values():
        assert value in text
    assert f"TVA ({context['totals']['vat_rate']})" in text
    assert "Honoraires payables mensuellement." in text
    for person in ("firm_representative", "client_representative"):
        assert context[person]["full_name"] in text
        assert context[person]["title"] in text
    assert context["firm"]["siren"] in text
    assert context["firm"]["vat_number"] in text
    assert context["firm"]["ordre_council"] in text
    assert context["client"]["siren"] in text
    assert "Fait à Paris, le 15 décembre 2026." in text
    assert "Saisie des pièces & rapprochements bancaires <mensuels>." in text
    assert "{{" not in text and "{%" not in text


@needs_soffice
def test_letter_pdf_is_pdfa_2b(letter_pdf: bytes) -> None:
    assert letter_pdf.startswith(b"%PDF-")
    assert pdfa_part(letter_pdf) == ("2", "B")


@needs_soffice
def test_two_hundred_lines_all_reach_the_pdf(tmp_path: Path) -> None:
    lines = [
        {
            "code": f"S{n:03d}",
            "name": f"Prestation n°{n:03d}",
            "description": f"Description de la prestation {n:03d}.",
            "price": f"{n},00 €",
            "frequency_label": "Annuelle",
            "occurrences": 1,
            "yearly_amount": f"{n},00 €",
        }
        for n in range(1, 201)
    ]
    pdf = render_and_convert(sample_context(lines), tmp_path)
    text = normalise(pdf_text(pdf))
    found = set(re.findall(r"Prestation n°(\d{3})", text))
    assert found == {f"{n:03d}" for n in range(1, 201)}
    assert pdfa_part(pdf) == ("2", "B")


@needs_soffice
def test_concurrent_conversions_do_not_collide(tmp_path: Path) -> None:
    rendered = tmp_path / "lettre.docx"
    rendered.write_bytes(render_docx(TEMPLATE.read_bytes(), sample_context()))
    results: dict[int, bytes | BaseException] = {}

    def convert(index: int) -> None:
        try:
            results[index] = convert_to_pdf(rendered, tmp_path / f"out{index}").read_bytes()
        except BaseException as exc:  # reported below
            results[index] = exc

    threads = [threading.Thread(target=convert, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index in range(3):
        pdf = results[index]
        assert isinstance(pdf, bytes), pdf
        assert pdfa_part(pdf) == ("2", "B")
        assert CLIENT_NAME in normalise(pdf_text(pdf))


# ---------------------------------------------------------------- hostile or broken input


@pytest.mark.parametrize(
    "expression",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__ }}",
        "{{ client.__init__.__globals__ }}",
        "{{ lines.append(1) }}",
        "{{ 'x' * 1000000000 }}",
        "{{ 2 ** 100000000 }}",
    ],
)
def test_sandbox_violations_raise_template_error(expression: str) -> None:
    template = word_document("Bonjour {{ client.name }}", expression)
    with pytest.raises(TemplateError):
        render_docx(template, sample_context())


def test_unknown_variable_raises_template_error() -> None:
    with pytest.raises(TemplateError, match="does not provide"):
        render_docx(word_document("{{ client.fax }}"), sample_context())


def test_jinja_syntax_error_raises_template_error() -> None:
    broken = word_document("{% for line in lines %}{{ line.name }}")
    with pytest.raises(TemplateError, match="syntax"):
        render_docx(broken, sample_context())
    with pytest.raises(TemplateError, match="syntax"):
        template_variables(broken)


@pytest.mark.parametrize(
    "garbage",
    [b"", b"not a docx at all", b"PK\x03\x04 truncated zip", bytes(range(256)) * 8],
)
def test_garbage_bytes_raise_template_error(garbage: bytes) -> None:
    with pytest.raises(TemplateError):
        render_docx(garbage, sample_context())
    with pytest.raises(TemplateError):
        template_variables(garbage)


def test_zip_without_word_document_raises_template_error() -> None:
    archive = BytesIO()
    with zipfile.ZipFile(archive, "w") as package:
        package.writestr("hello.txt", "not a Word package")
    with pytest.raises(TemplateError):
        render_docx(archive.getvalue(), sample_context())


def test_a_template_version_is_compiled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """In the process that renders (render_docx's long-lived child runs `_render_here`)."""
    compiled: list[str] = []
    compile_source = jinja2.Environment.compile

    def counting_compile(self: jinja2.Environment, source: Any, *args: Any, **kwargs: Any) -> Any:
        compiled.append(str(source))
        return compile_source(self, source, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting_compile)
    template = word_document("Lettre pour {{ client.name }}", "unique-{{ letter.version }}-marker")
    first = docx_text(
        _render_here(template, {"client": {"name": "Alpha"}, "letter": {"version": 1}})
    )
    compiled_by_first = len(compiled)
    second = docx_text(
        _render_here(template, {"client": {"name": "Bêta"}, "letter": {"version": 2}})
    )

    assert compiled_by_first > 0
    assert len(compiled) == compiled_by_first, "the second letter compiled its template again"
    # Sharing compiled parts shares nothing of one letter's values with the next.
    assert "Lettre pour Alpha" in first and "unique-1-marker" in first
    assert "Lettre pour Bêta" in second and "unique-2-marker" in second
    assert "Alpha" not in second


def docx_text(document: bytes) -> str:
    return "\n".join(paragraph.text for paragraph in docx.Document(BytesIO(document)).paragraphs)


def test_template_variables_of_a_small_template() -> None:
    template = word_document(
        "{{ client.name }} {% for line in lines %}{{ line.name }}{% endfor %}",
        "{% set local = 1 %}{{ local }}",
    )
    assert template_variables(template) == {"client", "lines"}


def test_non_docx_input_raises_conversion_error(tmp_path: Path) -> None:
    # LibreOffice itself would happily import this as plain text and export a PDF.
    fake = tmp_path / "lettre.docx"
    fake.write_bytes(b"this is not a Word document")
    with pytest.raises(ConversionError):
        convert_to_pdf(fake, tmp_path / "out")
    assert not (tmp_path / "out" / "lettre.pdf").exists()


@needs_soffice
def test_corrupt_docx_package_raises_conversion_error(tmp_path: Path) -> None:
    fake = tmp_path / "lettre.docx"
    with zipfile.ZipFile(fake, "w") as package:
        package.writestr("word/document.xml", "<not-wordprocessingml/")
    with pytest.raises(ConversionError, match=r"no PDF|failed"):
        convert_to_pdf(fake, tmp_path / "out")
    assert not (tmp_path / "out" / "lettre.pdf").exists()


@needs_soffice
def test_conversion_timeout_raises_conversion_error(tmp_path: Path) -> None:
    rendered = tmp_path / "lettre.docx"
    rendered.write_bytes(render_docx(TEMPLATE.read_bytes(), sample_context()))
    with pytest.raises(ConversionError, match="timed out"):
        convert_to_pdf(rendered, tmp_path / "out", timeout=0.05)
    assert not (tmp_path / "out" / "lettre.pdf").exists()


def test_missing_converter_raises_conversion_error(tmp_path: Path) -> None:
    rendered = tmp_path / "lettre.docx"
    rendered.write_bytes(word_document("Bonjour"))
    with pytest.raises(ConversionError, match="cannot start"):
        convert_to_pdf(rendered, tmp_path / "out", soffice="/nonexistent/soffice")
