"""The default amendment template (*avenant*), rendered with docxtpl and converted by a real
LibreOffice: the client reads what changes, from when, and the new fees."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from documents.pdf import convert_to_pdf, pdf_text, pdfa_part
from documents.rendering import render_docx, template_variables
from domain.amendments import (
    AMENDMENT_CONTEXT_VARIABLES,
    TermsLine,
    amendment_context,
    changes_between,
)
from domain.enums import Frequency
from domain.letter import CONTEXT_VARIABLES
from tests.integration.test_letter_rendering import CLIENT_NAME, normalise, sample_context

TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "avenant.docx"

BEFORE = [
    TermsLine("svc_tenue", "Tenue comptable", Decimal("350.00"), Frequency.monthly),
    TermsLine("svc_tva", "Déclarations de TVA", Decimal("90.00"), Frequency.quarterly),
]
AFTER = [
    TermsLine("svc_tenue", "Tenue comptable", Decimal("300.00"), Frequency.monthly),
    TermsLine("svc_tva", "Déclarations de TVA", Decimal("90.00"), Frequency.quarterly),
    TermsLine("svc_paie", "Bulletins de paie", Decimal("45.00"), Frequency.monthly),
]


def context() -> dict[str, Any]:
    return amendment_context(
        sample_context(),
        number=2,
        effective_date=date(2027, 7, 1),
        reason="Embauche d'un premier salarié & baisse du volume de pièces",
        original_letter_date=date(2026, 12, 15),
        changes=changes_between(BEFORE, AFTER),
        previous_totals={
            "excl_vat": "4 560,00 €",
            "vat": "912,00 €",
            "incl_vat": "5 472,00 €",
            "vat_rate": "20 %",
        },
    )


def test_the_template_uses_a_letters_names_and_the_amendments() -> None:
    assert TEMPLATE.is_file(), "run templates/build_default_amendment.py"
    used = template_variables(TEMPLATE.read_bytes())
    assert used <= CONTEXT_VARIABLES | AMENDMENT_CONTEXT_VARIABLES
    assert used >= AMENDMENT_CONTEXT_VARIABLES


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_the_amendment_pdf_says_what_changes_from_when(tmp_path: Path) -> None:
    rendered = tmp_path / "avenant.docx"
    rendered.write_bytes(render_docx(TEMPLATE.read_bytes(), context()))
    pdf = convert_to_pdf(rendered, tmp_path / "pdf").read_bytes()

    text = normalise(pdf_text(pdf))
    assert "Avenant n° 2 à la lettre de mission du 15 décembre 2026" in text.replace(
        "Objet : avenant", "Avenant"
    )
    assert "prennent effet le 1er juillet 2027" in text
    assert "Embauche d'un premier salarié & baisse du volume de pièces" in text
    assert (
        "Prestation modifiée : Tenue comptable — prix unitaire porté de 350,00 € à 300,00 € HT"
        in text
    )
    assert "Prestation ajoutée : Bulletins de paie" in text
    assert "Déclarations de TVA" in text  # unchanged, still in the new fees table
    assert "4 560,00 € HT" in text  # the fees before
    assert CLIENT_NAME in text
    assert "Jean O'Dupont" in text and "Claire Martin-Lefèvre" in text
    assert "{{" not in text and "{%" not in text
    assert pdfa_part(pdf) == ("2", "B")
