"""A template may refer to nothing outside itself: refused at upload, naming the part."""

from __future__ import annotations

import re
import zipfile
from io import BytesIO
from typing import ClassVar

import pytest

from domain import office_packages
from domain.kept import Kept
from domain.office_packages import (
    PackageRefused,
    check_rendered_package,
    check_template_package,
)
from domain.office_references import ReferenceScanner
from tests.documents import linked_image_document, with_parts, word_document

MAX = 5 * 1024 * 1024
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def with_body(xml: str, extra: dict[str, bytes] | None = None) -> bytes:
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W} {R}>'
        f"<w:body>{xml}<w:p><w:r><w:t>Bonjour</w:t></w:r></w:p></w:body></w:document>"
    )
    return with_parts(word_document(), {"word/document.xml": document.encode(), **(extra or {})})


def with_relationship(rel_type: str, target: str, *, external: bool = True) -> bytes:
    source = word_document()
    with zipfile.ZipFile(BytesIO(source)) as package:
        rels = package.read("word/_rels/document.xml.rels").decode()
    mode = ' TargetMode="External"' if external else ""
    rels = rels.replace(
        "</Relationships>",
        f'<Relationship Id="rIdX" Type="{REL}/{rel_type}" Target="{target}"{mode}/>'
        "</Relationships>",
    )
    return with_parts(source, {"word/_rels/document.xml.rels": rels.encode()})


def refused(data: bytes, *words: str) -> str:
    with pytest.raises(PackageRefused) as refusal:
        check_template_package("lettre.docx", data, MAX)
    message = str(refusal.value)
    for word in words:
        assert word in message, message
    return message


def test_a_linked_image_is_refused_naming_the_part() -> None:
    message = refused(linked_image_document("http://127.0.0.1:9/logo.png"), "word/")
    assert "external" in message or "linked" in message


@pytest.mark.parametrize(
    ("rel_type", "target"),
    [
        ("image", "file:///etc/passwd"),
        ("hyperlink", "http://10.0.0.1/"),
        ("oleObject", "file:///srv/data.xlsx"),
        ("attachedTemplate", "file:///C:/modeles/Normal.dotm"),
        ("subDocument", "http://127.0.0.1/sub.docx"),
    ],
)
def test_external_relationships_of_any_type_are_refused(rel_type: str, target: str) -> None:
    refused(with_relationship(rel_type, target), "word/_rels/document.xml.rels", "external")


@pytest.mark.parametrize("rel_type", ["aFChunk", "subDocument"])
def test_alt_chunks_and_sub_documents_are_refused_even_inside(rel_type: str) -> None:
    refused(with_relationship(rel_type, "chunk.htm", external=False), "word/_rels/")


@pytest.mark.parametrize(
    "xml",
    [
        '<w:p><w:fldSimple w:instr=" INCLUDETEXT &quot;/srv/sceau/secrets/token&quot; "/></w:p>',
        '<w:p><w:fldSimple w:instr="includepicture &quot;http://127.0.0.1/x.png&quot;"/></w:p>',
        '<w:p><w:fldSimple w:instr="LINK Excel.Sheet.12 &quot;C:\\\\x.xlsx&quot; A1"/></w:p>',
        '<w:p><w:fldSimple w:instr="DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe /c calc"/></w:p>',
        # A complex field, its code split over runs as Word writes it.
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> INCLUDE</w:instrText></w:r>'
        '<w:r><w:instrText>TEXT "/etc/passwd" </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>x</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>',
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        "<w:r><w:instrText> DDE Excel x y</w:instrText></w:r>"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>',
    ],
)
def test_fields_that_load_something_are_refused(xml: str) -> None:
    refused(with_body(xml), "word/document.xml", "field")


def test_harmless_fields_pass() -> None:
    check_template_package(
        "lettre.docx",
        with_body(
            '<w:p><w:fldSimple w:instr=" PAGE "/></w:p>'
            '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            "<w:r><w:instrText> NUMPAGES </w:instrText></w:r>"
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
        ),
        MAX,
    )


def test_an_alt_chunk_element_is_refused() -> None:
    refused(with_body('<w:altChunk r:id="rId99"/>'), "word/document.xml", "altChunk")


def test_a_sub_document_element_is_refused() -> None:
    refused(with_body('<w:p><w:subDoc r:id="rId98"/></w:p>'), "word/document.xml", "subDoc")


def test_an_attached_template_in_the_settings_is_refused() -> None:
    source = word_document()
    with zipfile.ZipFile(BytesIO(source)) as package:
        settings = package.read("word/settings.xml").decode()
    settings = settings.replace("<w:zoom", '<w:attachedTemplate r:id="rId1"/><w:zoom', 1)
    if "xmlns:r=" not in settings:
        settings = settings.replace("<w:settings ", f"<w:settings {R} ", 1)
    refused(
        with_parts(source, {"word/settings.xml": settings.encode()}),
        "word/settings.xml",
        "attachedTemplate",
    )


class CountingScanner(ReferenceScanner):
    """The scanner, noting each part it reads through."""

    parts: ClassVar[list[str]] = []

    def __init__(self, part: str) -> None:
        super().__init__(part)
        self.parts.append(part)


def test_a_rendered_letter_reads_only_the_parts_it_has_not_seen_clean(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(office_packages, "ReferenceScanner", CountingScanner)
    monkeypatch.setattr(CountingScanner, "parts", [])
    # Nothing seen before in this process (other tests check packages of the same parts).
    monkeypatch.setattr(office_packages, "_clean_rendered_parts", Kept(64))
    letter = with_body("<w:p><w:r><w:t>Lettre de mission n° 1</w:t></w:r></w:p>")
    check_rendered_package(letter)
    assert "word/styles.xml" in CountingScanner.parts

    CountingScanner.parts.clear()
    next_letter = with_body("<w:p><w:r><w:t>Lettre de mission n° 2</w:t></w:r></w:p>")
    check_rendered_package(next_letter)
    # The template's styles, settings and relationships came through unchanged: read once.
    assert CountingScanner.parts == ["word/document.xml"]


def test_a_hostile_part_under_the_name_of_a_clean_one_is_still_refused() -> None:
    check_rendered_package(word_document("Bonjour"))
    hostile = with_relationship("image", "http://169.254.169.254/latest/meta-data")
    with pytest.raises(PackageRefused, match=re.escape("word/_rels/document.xml.rels")):
        check_rendered_package(hostile)
