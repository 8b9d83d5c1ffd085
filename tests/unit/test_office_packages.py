"""Office packages are judged from their zip directory before anything is inflated."""

from __future__ import annotations

import time
import tracemalloc
import zipfile
from io import BytesIO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from documents.rendering import TemplateError, template_variables
from documents.template_checks import check_template_expressions
from domain.letter_templates import DEFAULT_TEMPLATE_PATH
from domain.office_packages import (
    EXCEL_WORKBOOK,
    TEMPLATE_LIMITS,
    PackageRefused,
    check_template_package,
    office_type,
)
from tests.documents import with_parts, word_document

MIB = 1024 * 1024
MAX = 5 * MIB


def content_types_with(source: bytes, addition: str) -> bytes:
    with zipfile.ZipFile(BytesIO(source)) as package:
        types = package.read("[Content_Types].xml").decode()
    return types.replace("</Types>", f"{addition}</Types>").encode()


def test_the_default_template_passes() -> None:
    check_template_package("lettre.docx", DEFAULT_TEMPLATE_PATH.read_bytes(), MAX)


def test_an_uppercase_docx_name_passes() -> None:
    check_template_package("LETTRE.DOCX", word_document(), MAX)


@pytest.mark.parametrize("name", ["lettre.docm", "lettre.dotm", "LETTRE.DOCM"])
def test_a_macro_enabled_name_is_refused(name: str) -> None:
    with pytest.raises(PackageRefused, match="macro"):
        check_template_package(name, word_document(), MAX)


@pytest.mark.parametrize("name", ["lettre.doc", "lettre.pdf", "lettre", None])
def test_a_template_must_be_named_docx(name: str | None) -> None:
    with pytest.raises(PackageRefused, match=r"\.docx"):
        check_template_package(name, word_document(), MAX)


def test_a_vba_project_part_is_refused() -> None:
    with_macros = with_parts(word_document(), {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 VBA"})
    with pytest.raises(PackageRefused, match="macros"):
        check_template_package("lettre.docx", with_macros, MAX)


def test_a_macro_enabled_main_part_is_refused() -> None:
    source = word_document()
    types = content_types_with(source, "").replace(
        b"wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml",
    )
    with pytest.raises(PackageRefused, match="macros"):
        check_template_package(
            "lettre.docx", with_parts(source, {"[Content_Types].xml": types}), MAX
        )


def test_a_vba_content_type_is_refused() -> None:
    source = word_document()
    types = content_types_with(
        source, '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    )
    with pytest.raises(PackageRefused, match="macros"):
        check_template_package(
            "lettre.docx", with_parts(source, {"[Content_Types].xml": types}), MAX
        )


def test_an_activex_control_is_refused() -> None:
    control = with_parts(word_document(), {"word/activeX/activeX1.xml": b"<ax/>"})
    with pytest.raises(PackageRefused, match="active content"):
        check_template_package("lettre.docx", control, MAX)


def test_too_many_entries_is_a_zip_bomb() -> None:
    parts = {f"word/media/part{index}.xml": b"<a/>" for index in range(TEMPLATE_LIMITS.max_entries)}
    with pytest.raises(PackageRefused, match="parts"):
        check_template_package("lettre.docx", with_parts(word_document(), parts), MAX)


def test_a_part_inflating_past_the_limit_is_a_zip_bomb() -> None:
    # 60 MiB of zeros deflate to about 60 KiB: small on the wire, refused from the directory.
    bomb = with_parts(word_document(), {"word/media/zeros.xml": bytes(60 * 1024 * 1024)})
    assert len(bomb) < 200_000
    with pytest.raises(PackageRefused, match="inflate"):
        check_template_package("lettre.docx", bomb, MAX)


def test_a_file_over_the_cap_is_refused() -> None:
    with pytest.raises(PackageRefused, match="at most"):
        check_template_package("lettre.docx", word_document(), 1000)


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "C:\\\\boot.ini"])
def test_a_part_outside_the_package_is_refused(name: str) -> None:
    with pytest.raises(PackageRefused, match="outside"):
        check_template_package("lettre.docx", with_parts(word_document(), {name: b"x"}), MAX)


def test_an_entity_expansion_bomb_is_refused() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>&lol2;</w:t></w:r></w:p></w:body></w:document>"
    )
    with pytest.raises(PackageRefused, match="DTD"):
        check_template_package(
            "lettre.docx", with_parts(word_document(), {"word/document.xml": laughs}), MAX
        )


@pytest.mark.parametrize(
    "garbage", [b"", b"not a zip", b"PK\x03\x04 truncated", bytes(range(256)) * 4]
)
def test_garbage_is_refused(garbage: bytes) -> None:
    with pytest.raises(PackageRefused):
        check_template_package("lettre.docx", garbage, MAX)


def test_a_zip_that_is_not_word_is_refused() -> None:
    archive = BytesIO()
    with zipfile.ZipFile(archive, "w") as package:
        package.writestr("hello.txt", "not a Word package")
    with pytest.raises(PackageRefused, match="Content_Types"):
        check_template_package("lettre.docx", archive.getvalue(), MAX)


def test_a_workbook_is_not_a_template_but_is_an_accepted_upload() -> None:
    source = word_document()
    types = content_types_with(source, "").replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        EXCEL_WORKBOOK.encode(),
    )
    with zipfile.ZipFile(BytesIO(source)) as package:
        body = package.read("word/document.xml")
    types = types.replace(b'PartName="/word/document.xml"', b'PartName="/xl/workbook.xml"')
    workbook = with_parts(source, {"xl/workbook.xml": body, "[Content_Types].xml": types})
    with pytest.raises(PackageRefused, match="not a Word document"):
        check_template_package("lettre.docx", workbook, MAX)
    assert office_type(workbook) == "xlsx"
    assert office_type(source) == "docx"


SOURCE = word_document("Bonjour {{ client.name }}")


@settings(max_examples=150, deadline=None)
@given(cut=st.integers(min_value=0, max_value=len(SOURCE)), noise=st.binary(max_size=200))
def test_a_damaged_template_is_refused_never_crashes(cut: int, noise: bytes) -> None:
    """What the upload runs, in its order: any damage ends in a refusal with a message."""
    damaged = SOURCE[:cut] + noise + SOURCE[cut + len(noise) :]
    try:
        check_template_package("lettre.docx", damaged, MAX)
        template_variables(damaged)
        check_template_expressions(damaged)
    except (PackageRefused, TemplateError) as refusal:
        assert str(refusal)


def inflating_content_types(source: bytes, mib: int) -> bytes:
    """`source` whose [Content_Types].xml repeats one element until it inflates to `mib` MiB:
    about 300 KB on the wire for 100 MiB."""
    types = content_types_with(source, "")
    element = b'<Default Extension="x" ContentType="application/octet-stream"/>'
    padding = element * (mib * 1024 * 1024 // len(element))
    bomb = types.replace(b"</Types>", padding + b"</Types>")
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(source)) as old, zipfile.ZipFile(out, "w") as new:
        for entry in old.infolist():
            data = bomb if entry.filename == "[Content_Types].xml" else old.read(entry)
            new.writestr(entry.filename, data, zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def test_an_inflating_content_types_part_is_refused_promptly() -> None:
    """90 MiB of repeated elements in [Content_Types].xml were parsed whole (100 MiB: 19 s of
    CPU, +1.4 GB); it is refused from its declared size, under the package's total."""
    bomb = inflating_content_types(word_document(), 90)
    assert len(bomb) < 1_000_000
    started = time.process_time()
    with pytest.raises(PackageRefused, match=r"\[Content_Types\]\.xml"):
        office_type(bomb)
    with pytest.raises(PackageRefused, match=r"Content_Types|inflate"):
        check_template_package("lettre.docx", bomb, MAX)
    assert time.process_time() - started < 0.5


def test_a_part_is_read_in_bounded_pieces_whatever_its_declared_size() -> None:
    """No part is inflated whole: a 15 MiB part (under the template's total) is streamed."""
    paragraph = b"<w:p><w:r><w:t>" + b"x" * 1000 + b"</w:t></w:r></w:p>"
    body = paragraph * (15 * MIB // len(paragraph))
    big = with_parts(
        word_document(),
        {
            "word/media/big.bin": bytes(4 * MIB),
            "word/big.xml": b'<w:body xmlns:w="urn:w">' + body + b"</w:body>",
        },
    )
    tracemalloc.start()
    try:
        check_template_package("lettre.docx", big, MAX)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * MIB, peak
