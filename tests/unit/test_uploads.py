"""A client's file: its kind read from its bytes, its name made safe to store and serve."""

from __future__ import annotations

import zipfile
from io import BytesIO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.uploads import CSV, DOCX, JPEG, PDF, PNG, TEXT, UploadRefused, safe_name, sniff
from tests.documents import with_parts, word_document

PDF_BYTES = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(20)
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20)


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (PDF_BYTES, "releve.pdf", PDF),
        (PNG_BYTES, "scan.png", PNG),
        (JPEG_BYTES, "photo.jpeg", JPEG),
        ("date;libellé;montant\n2027-01-02;Loyer;-950,00\n".encode(), "banque.csv", CSV),
        ("date;libellé\n".encode("cp1252"), "banque.csv", CSV),
        ("Bonjour, voici mes relevés.".encode(), "note.txt", TEXT),
    ],
)
def test_accepted_kinds_are_read_from_the_bytes(data: bytes, name: str, kind: object) -> None:
    assert sniff(data, name) == kind


def test_a_word_document_is_read_from_its_package() -> None:
    assert sniff(word_document("Relevés de janvier"), "x.docx") == DOCX


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"MZ\x90\x00\x03\x00\x00\x00" + bytes(50), "not accepted"),  # a Windows executable
        (b"\x7fELF\x02\x01\x01" + bytes(50), "not accepted"),
        (b"GIF89a" + bytes(30), "not accepted"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(50), "not accepted"),  # .doc / .xls OLE
        (b"PK\x03\x04 not really a zip", "zip"),
    ],
)
def test_other_bytes_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(UploadRefused, match=message):
        sniff(data, "fichier.pdf")


def test_a_zip_that_is_no_office_file_is_refused() -> None:
    archive = BytesIO()
    with zipfile.ZipFile(archive, "w") as package:
        package.writestr("payload.exe", b"MZ")
    with pytest.raises(UploadRefused):
        sniff(archive.getvalue(), "archive.zip")


def test_a_macro_workbook_is_refused() -> None:
    with_macros = with_parts(word_document("Relevés de janvier"), {"word/vbaProject.bin": b"VBA"})
    with pytest.raises(UploadRefused, match="macros"):
        sniff(with_macros, "releve.docx")


@pytest.mark.parametrize(
    ("raw", "kind", "expected"),
    [
        ("releve.pdf", PDF, "releve.pdf"),
        ("RELEVE.PDF", PDF, "RELEVE.pdf"),
        ("../../etc/passwd", TEXT, "passwd.txt"),
        ("..\\..\\windows\\system32\\config.txt", TEXT, "config.txt"),
        ("/var/lib/sceau/ged/ab/abc.pdf", PDF, "abc.pdf"),
        ("..", PDF, "fichier.pdf"),
        ("", PNG, "fichier.png"),
        (None, JPEG, "fichier.jpg"),
        ("photo.jpeg", JPEG, "photo.jpeg"),
        ("re\x00le\nvé\t.pdf", PDF, "re_le_vé_.pdf"),
        ('a<b>:"c"|?*.pdf', PDF, "a_b___c____.pdf"),
        ("facture\u202egnp.pdf", PDF, "facture_gnp.pdf"),  # right-to-left override
        ("Relevé du 3.1 - final", PDF, "Relevé du 3.1 - final.pdf"),
        ("   .hidden.pdf  ", PDF, "hidden.pdf"),
        ("e\u0301te\u0301.pdf", PDF, "été.pdf"),
    ],
)
def test_names_are_made_safe(raw: str | None, kind: object, expected: str) -> None:
    assert safe_name(raw, kind) == expected  # type: ignore[arg-type]


def test_a_long_name_keeps_its_extension() -> None:
    name = safe_name("x" * 500 + ".pdf", PDF)
    assert len(name) == 120 and name.endswith(".pdf")


@pytest.mark.parametrize(
    ("raw", "kind"),
    [("releve.exe", PDF), ("page.html", TEXT), ("image.svg", TEXT), ("scan.pdf", PNG)],
)
def test_a_name_claiming_another_kind_is_refused(raw: str, kind: object) -> None:
    with pytest.raises(UploadRefused, match="but its name ends in"):
        safe_name(raw, kind)  # type: ignore[arg-type]


WORD = word_document("Relevés de janvier")


@settings(max_examples=300, deadline=None)
@given(
    data=st.one_of(
        st.binary(max_size=2000),
        st.binary(max_size=2000).map(lambda tail: b"PK\x03\x04" + tail),
        st.binary(max_size=2000).map(lambda tail: WORD[:1500] + tail),
    ),
    name=st.text(max_size=300),
)
def test_any_bytes_and_name_are_accepted_or_refused_never_crash(data: bytes, name: str) -> None:
    try:
        kind = sniff(data, name)
        safe = safe_name(name, kind)
    except UploadRefused:
        return
    assert safe and len(safe) <= 120 and "/" not in safe and "\\" not in safe
    assert not safe.startswith(".") and "\x00" not in safe
    assert safe.endswith(kind.extensions)


def test_an_inflating_upload_is_refused_promptly_and_read_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 300 KB .docx whose [Content_Types].xml inflates to 90 MiB: refused from its size,
    and the package's types are read once per upload (they were parsed twice)."""
    import time

    from domain import office_packages
    from tests.unit.test_office_packages import inflating_content_types

    bomb = inflating_content_types(word_document(), 90)
    started = time.process_time()
    with pytest.raises(UploadRefused, match=r"Content_Types"):
        sniff(bomb, "releve.docx")
    assert time.process_time() - started < 0.5

    reads: list[object] = []
    original = office_packages.content_types

    def counted(package: object) -> object:
        reads.append(package)
        return original(package)  # type: ignore[arg-type]

    monkeypatch.setattr(office_packages, "content_types", counted)
    assert sniff(word_document("Relevés"), "releve.docx") == DOCX
    assert len(reads) == 1
