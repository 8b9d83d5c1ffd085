"""The general conditions in the letter's .docx: rendered with the letter's values (and
reused only while those values are the same), after the letter, numbered through."""

from __future__ import annotations

import hashlib
import zipfile
from io import BytesIO

import docx
import pytest
from docxcompose.composer import Composer

from documents import conditions as conditions_module
from documents.conditions import (
    CONDITIONS_BOOKMARK,
    Conditions,
    append_conditions,
    letter_with_conditions,
)
from documents.rendering import render_docx
from documents.template_checks import sample_context
from domain.general_conditions import DEFAULT_CONDITIONS_PATH, ConditionsFormat, ConditionsSource
from tests.documents import word_document


def default_source() -> ConditionsSource:
    data = DEFAULT_CONDITIONS_PATH.read_bytes()
    return ConditionsSource(ConditionsFormat.docx, data, hashlib.sha256(data).hexdigest())


def body_text(data: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(BytesIO(data)).paragraphs)


def package_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(BytesIO(data)) as package:
        return {name: package.read(name) for name in package.namelist()}


def combined_for(firm_name: str, client_name: str, source: ConditionsSource) -> bytes:
    context = sample_context()
    context["firm"] = {**context["firm"], "name": firm_name}
    context["client"] = {**context["client"], "name": client_name}
    letter = render_docx(word_document("Lettre pour {{ client.name }}"), context)
    return letter_with_conditions(letter, source, context)


def test_each_letter_carries_conditions_rendered_with_its_own_values() -> None:
    first = body_text(combined_for("Cabinet Alpha", "Client Un", default_source()))
    second = body_text(combined_for("Cabinet Bêta & Fils", "Client Deux", default_source()))
    assert first.index("Lettre pour Client Un") < first.index("Responsabilité et assurance")
    assert "Cabinet Alpha" in first and "Bêta" not in first
    assert "Cabinet Bêta & Fils" in second and "Alpha" not in second

    own_data = word_document("Conditions pour {{ client.name }}")
    own = ConditionsSource(ConditionsFormat.docx, own_data, hashlib.sha256(own_data).hexdigest())
    assert "Conditions pour Client Un" in body_text(combined_for("A", "Client Un", own))
    assert "Conditions pour Client Deux" in body_text(combined_for("A", "Client Deux", own))


def test_the_conditions_start_on_a_new_page_at_their_bookmark_under_a_page_count() -> None:
    document = docx.Document(BytesIO(combined_for("A", "B", default_source())))
    xml = document.element.xml
    assert f'w:name="{CONDITIONS_BOOKMARK}"' in xml
    assert "w:pageBreakBefore" in xml
    footer = document.sections[0].footer._element.xml
    assert "NUMPAGES" in footer and "PAGE" in footer


def test_appending_lists_the_letter_styles_only_for_paragraphs_that_name_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same document as docxcompose's own composer makes, without its listing of every
    letter style for each appended paragraph that names none."""
    context = sample_context()
    letter = render_docx(word_document("Lettre pour {{ client.name }}"), context)
    conditions = render_docx(DEFAULT_CONDITIONS_PATH.read_bytes(), context)
    appended = docx.Document(BytesIO(conditions)).element.body
    naming_a_style = [
        element for element in appended if element.xpath(".//w:pStyle|.//w:rStyle|.//w:tblStyle")
    ]
    assert 0 < len(naming_a_style) < len(appended) - 1  # the section's properties aside

    listed: list[object] = []
    own_listing = Composer.add_styles

    def counted(composer: Composer, doc: object, element: object) -> None:
        listed.append(element)
        own_listing(composer, doc, element)

    monkeypatch.setattr(Composer, "add_styles", counted)
    ours = append_conditions(letter, Conditions(docx=conditions))
    assert len(listed) == len(naming_a_style)

    # docxcompose's own composer, every paragraph listed, gives the same parts.
    monkeypatch.setattr(conditions_module, "_Composer", Composer)
    theirs = append_conditions(letter, Conditions(docx=conditions))
    assert package_parts(ours) == package_parts(theirs)
