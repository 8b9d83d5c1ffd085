"""Signature boxes land under each signer's name on the real letter, converted by LibreOffice."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from esignature.places import BOX_HEIGHT, BOX_WIDTH, TextRun, signature_places, text_runs
from esignature.yousign import SignatureField
from tests.documents import word_document
from tests.integration.test_letter_rendering import render_and_convert, sample_context

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")

CLIENT_NAME, FIRM_NAME = "Jean O'Dupont", "Claire Martin-Lefèvre"


def inside(run: TextRun, box: SignatureField) -> bool:
    # A line of the letter's 10-11 point text: ascenders about 9 points above its baseline,
    # descenders about 3 below.
    top, bottom = run.baseline - 9, run.baseline + 3
    return (
        run.page == box.page
        and box.x <= run.x < box.x + box.width
        and top < box.y + box.height
        and bottom > box.y
    )


def check_boxes(pdf: bytes) -> list[SignatureField]:
    boxes = signature_places(pdf, [CLIENT_NAME, FIRM_NAME])
    assert boxes is not None
    runs, sizes = text_runs(pdf)
    last_page = max(sizes)
    for box, name in zip(boxes, (CLIENT_NAME, FIRM_NAME), strict=True):
        assert box.page == last_page
        (name_run,) = [r for r in runs if r.page == box.page and r.text.strip() == name]
        label = min(
            (
                r
                for r in runs
                if r.page == box.page
                and r.text.startswith("Signature")
                and abs(r.x - name_run.x) < 5
                and r.baseline > name_run.baseline
            ),
            key=lambda r: r.baseline,
        )
        # In the signer's column, right under the "Signature :" label below their name.
        assert abs(box.x - name_run.x) < 5
        assert label.baseline < box.y < label.baseline + 20
        assert (box.width, box.height) == (BOX_WIDTH, BOX_HEIGHT)
        width, height = sizes[box.page]
        assert box.x + box.width <= width and box.y + box.height <= height
        # Over blank paper: no text of the letter under the box.
        assert [r.text for r in runs if inside(r, box)] == []
    client_box, firm_box = boxes
    assert client_box.x > firm_box.x  # the client's column is on the right
    return boxes


def test_boxes_sit_under_each_signers_label_on_blank_paper(tmp_path: Path) -> None:
    check_boxes(render_and_convert(sample_context(), tmp_path))


def test_boxes_follow_the_signature_block_when_the_letter_grows(tmp_path: Path) -> None:
    (tmp_path / "short").mkdir()
    (tmp_path / "long").mkdir()
    short = check_boxes(render_and_convert(sample_context(), tmp_path / "short"))
    lines: list[dict[str, Any]] = [
        {**sample_context()["lines"][0], "code": f"L{index}", "name": f"Prestation {index}"}
        for index in range(12)
    ]
    long = check_boxes(render_and_convert(sample_context(lines), tmp_path / "long"))
    assert (long[0].page, long[0].y) != (short[0].page, short[0].y)


def test_a_letter_without_the_names_gets_no_places(tmp_path: Path) -> None:
    from documents.pdf import convert_to_pdf

    source = tmp_path / "autre.docx"
    source.write_bytes(word_document("Lettre sans bloc de signature."))
    pdf = convert_to_pdf(source, tmp_path / "pdf").read_bytes()
    assert signature_places(pdf, [CLIENT_NAME, FIRM_NAME]) is None
    assert signature_places(b"not a pdf", [CLIENT_NAME]) is None
