"""Dropping unused table styles before LibreOffice loads a letter."""

from __future__ import annotations

import re
import time
import zipfile
from io import BytesIO
from pathlib import Path

import docx

from documents.docx_styles import without_unused_table_styles
from documents.rendering import render_docx
from tests.documents import with_parts
from tests.integration.test_letter_rendering import TEMPLATE, sample_context


def style_ids(docx: Path, kind: str) -> set[str]:
    styles = zipfile.ZipFile(docx).read("word/styles.xml").decode()
    return set(re.findall(rf'<w:style w:type="{kind}"[^>]*w:styleId="([^"]+)"', styles))


def letter_from_a_stock_template() -> bytes:
    """A letter made from python-docx's own template: a hundred table styles, two in use."""
    document = docx.Document()
    document.add_paragraph("Lettre de mission", style="Title")
    document.add_table(rows=2, cols=2, style="Light Grid Accent 1")
    document.add_table(rows=1, cols=3, style="Table Grid")
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_letter_keeps_every_style_it_uses(tmp_path: Path) -> None:
    source = tmp_path / "lettre.docx"
    source.write_bytes(letter_from_a_stock_template())
    slim = tmp_path / "slim.docx"
    assert without_unused_table_styles(source, slim)
    document = zipfile.ZipFile(source).read("word/document.xml").decode()
    used_tables = set(re.findall(r'w:tblStyle w:val="([^"]+)"', document))
    assert used_tables and used_tables <= style_ids(slim, "table")
    assert len(style_ids(slim, "table")) < len(style_ids(source, "table"))
    for kind in ("paragraph", "character", "numbering"):
        assert style_ids(slim, kind) == style_ids(source, kind)
    # Every other part is carried over byte for byte.
    original, slimmed = zipfile.ZipFile(source), zipfile.ZipFile(slim)
    assert original.namelist() == slimmed.namelist()
    for name in original.namelist():
        if name != "word/styles.xml":
            assert original.read(name) == slimmed.read(name), name


def test_nothing_to_drop_or_not_a_package_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "lettre.docx"
    source.write_bytes(letter_from_a_stock_template())
    slim = tmp_path / "slim.docx"
    assert without_unused_table_styles(source, slim)
    again = tmp_path / "again.docx"
    assert not without_unused_table_styles(slim, again)
    assert not again.exists()
    garbage = tmp_path / "garbage.docx"
    garbage.write_bytes(b"not a zip")
    assert not without_unused_table_styles(garbage, again)
    assert not again.exists()


def test_the_default_letter_carries_no_unused_table_style(tmp_path: Path) -> None:
    # templates/build_default_letter.py leaves them out, so no conversion has to load them.
    letter = tmp_path / "lettre.docx"
    letter.write_bytes(render_docx(TEMPLATE.read_bytes(), sample_context()))
    assert style_ids(letter, "table")
    assert not without_unused_table_styles(letter, tmp_path / "slim.docx")


def test_styles_stuffed_with_commented_styles_are_scanned_in_linear_time(tmp_path: Path) -> None:
    """20 000 `<w:style` inside XML comments took 56 s (a quadratic scan) before conversion."""
    source_bytes = letter_from_a_stock_template()
    with zipfile.ZipFile(BytesIO(source_bytes)) as package:
        styles = package.read("word/styles.xml").decode()
    stuffing = "<!-- " + '<w:style w:type="table" w:styleId="X"> ' * 20_000 + "-->"
    stuffed = styles.replace("<w:docDefaults>", stuffing + "<w:docDefaults>", 1)
    assert stuffed != styles
    source = tmp_path / "stuffed.docx"
    source.write_bytes(with_parts(source_bytes, {"word/styles.xml": stuffed.encode()}))
    slim = tmp_path / "slim.docx"
    started = time.perf_counter()
    assert without_unused_table_styles(source, slim)
    assert time.perf_counter() - started < 2.0
    kept = zipfile.ZipFile(slim).read("word/styles.xml").decode()
    assert stuffing in kept  # a comment is not a style: left as it is
    document = zipfile.ZipFile(source).read("word/document.xml").decode()
    used_tables = set(re.findall(r'w:tblStyle w:val="([^"]+)"', document))
    assert used_tables and used_tables <= style_ids(slim, "table") < style_ids(source, "table")
