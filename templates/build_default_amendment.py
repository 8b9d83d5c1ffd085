"""Build `templates/avenant.docx`, the default French amendment (*avenant*) template.

Run: `.venv/bin/python templates/build_default_amendment.py`

An amendment changes a signed engagement letter from an effective date: it names the letter it
amends, says what changes and why, prints the new fees table, and is signed by both parties like
the letter. It is built with the default letter's styles and pieces, so both look alike.

The context it expects is a letter's (see build_default_letter.py; `lines` and `totals` are the
new ones) and:
    amendment: number (int), effective_date, reason, original_letter_date
    changes[]: label, name, text
    previous_totals: excl_vat, vat, incl_vat, vat_rate
"""

from __future__ import annotations

from pathlib import Path

from build_default_letter import (
    GREY,
    fees_table_section,
    heading,
    new_document,
    page_footer,
    paragraph,
    run_builder,
    save_template,
    signature_table,
)
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

OUTPUT = Path(__file__).resolve().with_name("avenant.docx")
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY


def _heading_block(document: DocxDocument) -> None:
    paragraph(document, ("{{ firm.name }}", True), size=Pt(15), space_after=Pt(1))
    paragraph(document, "{{ firm.address }}", color=GREY, space_after=Pt(0))
    paragraph(
        document,
        "Inscrite au tableau de l'Ordre des experts-comptables — conseil régional : ",
        "{{ firm.ordre_council }}",
        color=GREY,
        space_after=Pt(14),
    )
    for runs in (
        (("{{ client.name }}", True),),
        ("À l'attention de {{ client_representative.full_name }}",),
        ("{{ client.address }}",),
    ):
        paragraph(document, *runs, space_after=Pt(0)).paragraph_format.left_indent = Cm(9.5)
    dated = paragraph(document, "{{ letter.place }}, le {{ letter.date }}", space_after=Pt(14))
    dated.paragraph_format.left_indent = Cm(9.5)
    dated.paragraph_format.space_before = Pt(10)
    paragraph(
        document,
        ("Objet : avenant n° {{ amendment.number }}", True),
        " à la lettre de mission",
        "{% if amendment.original_letter_date %} du {{ amendment.original_letter_date }}"
        "{% endif %}",
        " — ",
        ("{{ mission.name }}", True),
        space_after=Pt(10),
    )
    paragraph(document, "Madame, Monsieur,")
    paragraph(
        document,
        "Le présent avenant modifie, d'un commun accord entre ",
        ("{{ firm.name }}", True),
        ", représenté par {{ firm_representative.full_name }}, {{ firm_representative.title }}, "
        "et ",
        ("{{ client.name }}", True),
        ", représenté par {{ client_representative.full_name }}, "
        "{{ client_representative.title }}, la lettre de mission qui les lie. Toutes les "
        "stipulations de cette lettre et des conditions générales d'intervention qui ne sont "
        "pas modifiées par le présent avenant demeurent applicables.",
        align=JUSTIFY,
    )


def _changes(document: DocxDocument) -> None:
    heading(document, "1. Objet de l'avenant")
    paragraph(document, "Motif : {{ amendment.reason }}", align=JUSTIFY)
    paragraph(document, "Les prestations de la mission sont modifiées comme suit :")
    paragraph(document, "{%p for change in changes %}")
    paragraph(
        document,
        ("{{ change.label }} : {{ change.name }}", True),
        "{% if change.text %} — {{ change.text }}{% endif %}.",
        style="List Bullet",
    )
    paragraph(document, "{%p endfor %}")


def _effective_date(document: DocxDocument) -> None:
    heading(document, "2. Date d'effet")
    paragraph(
        document,
        "Ces modifications prennent effet le ",
        ("{{ amendment.effective_date }}", True),
        ". Les travaux des périodes ouvertes avant cette date restent régis par les "
        "conditions antérieures ; ceux des périodes suivantes suivent les prestations et les "
        "honoraires ci-dessous. La période de la mission, du {{ mission.period_start }} au "
        "{{ mission.period_end }}, et ses conditions de renouvellement sont inchangées.",
        align=JUSTIFY,
    )


def _fees_note(document: DocxDocument) -> None:
    paragraph(
        document,
        "Pour mémoire, les honoraires annuels avant le présent avenant s'élevaient à "
        "{{ previous_totals.excl_vat }} HT ({{ previous_totals.incl_vat }} TTC).",
        align=JUSTIFY,
    )


def _acceptance(document: DocxDocument) -> None:
    heading(document, "4. Acceptation")
    paragraph(
        document,
        "Nous vous remercions de bien vouloir signer le présent avenant, qui vaut acceptation "
        "de ses termes. Fait à {{ letter.place }}, le {{ letter.date }}.",
        align=JUSTIFY,
        space_after=Pt(8),
    ).paragraph_format.keep_with_next = True
    signature_table(document)


def _footer(document: DocxDocument) -> None:
    page_footer(document, "{{ firm.name }} — Avenant n° {{ amendment.number }} — {{ client.name }}")


def build(output: Path = OUTPUT) -> Path:
    document = new_document(
        "Avenant à la lettre de mission",
        "Avenant à la lettre de mission d'expertise comptable",
        "avenant, lettre de mission",
    )

    _heading_block(document)
    _changes(document)
    _effective_date(document)
    fees_table_section(document, "3. Honoraires à compter de la date d'effet")
    _fees_note(document)
    _acceptance(document)
    _footer(document)

    return save_template(document, output)


if __name__ == "__main__":
    raise SystemExit(run_builder(build, OUTPUT))
