"""`sceau pdf convert`: the operators' converter, run as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from documents.pdf import pdfa_part
from documents.rendering import render_docx
from domain.letter_templates import DEFAULT_TEMPLATE_PATH
from tests.integration.test_letter_rendering import sample_context

SCEAU = Path(sys.executable).parent / "sceau"


def test_converts_good_files_and_names_the_bad_ones(tmp_path: Path) -> None:
    letter = tmp_path / "lettre.docx"
    letter.write_bytes(render_docx(DEFAULT_TEMPLATE_PATH.read_bytes(), sample_context()))
    garbage = tmp_path / "faux.docx"
    garbage.write_text("pas un document")
    out = tmp_path / "out"

    done = subprocess.run(
        [str(SCEAU), "pdf", "convert", str(letter), str(garbage), "--outdir", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert done.returncode == 1
    assert f"FAILED {garbage}" in done.stdout
    assert pdfa_part((out / "lettre.pdf").read_bytes()) == ("2", "B")
    assert not (out / "faux.pdf").exists()
