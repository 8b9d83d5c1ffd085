"""The warm LibreOffice pool, on a real LibreOffice driven through python3-uno."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from documents.converter_pool import (
    ConverterPool,
    InvalidDocumentError,
    PoolClosedError,
    PoolFullError,
)
from documents.pdf import ConversionError, pdf_text, pdfa_part
from documents.rendering import render_docx
from tests.integration.test_letter_rendering import (
    CLIENT_NAME,
    TEMPLATE,
    normalise,
    sample_context,
)

SYSTEM_PYTHON = "/usr/bin/python3"


def _has_uno() -> bool:
    if not Path(SYSTEM_PYTHON).exists():
        return False
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import uno"], capture_output=True, check=False, timeout=30
    )
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(
    shutil.which("soffice") is None or not _has_uno(),
    reason="LibreOffice (soffice) and python3-uno for /usr/bin/python3 are needed",
)


def letter(tmp_path: Path, name: str = "lettre", lines: int | None = None) -> Path:
    context = sample_context()
    if lines is not None:
        context["lines"] = [
            {
                "code": f"S{n:03d}",
                "name": f"Prestation n°{n:03d}",
                "description": f"Description {n:03d}.",
                "price": f"{n},00 €",
                "frequency_label": "Annuelle",
                "occurrences": 1,
                "yearly_amount": f"{n},00 €",
            }
            for n in range(1, lines + 1)
        ]
    path = tmp_path / f"{name}.docx"
    path.write_bytes(render_docx(TEMPLATE.read_bytes(), context))
    return path


def soffice_bin_pids(pool: ConverterPool, slot: int) -> list[int]:
    pids = pool.soffice_pids()[slot]
    return [pid for pid in pids if Path(f"/proc/{pid}/comm").read_text().strip() == "soffice.bin"]


def running(pid: int) -> bool:
    """Alive and not a zombie (a container's init may be slow to reap orphans)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def embedded_fonts(pdf: bytes) -> dict[str, bool]:
    """Font name → whether its program is embedded, over every page."""
    from io import BytesIO

    fonts: dict[str, bool] = {}
    for page in PdfReader(BytesIO(pdf)).pages:
        resources = page.get("/Resources")
        font_dict = resources.get_object().get("/Font") if resources is not None else None
        if font_dict is None:
            continue
        for ref in font_dict.get_object().values():
            font = ref.get_object()
            descriptors = [font.get("/FontDescriptor")]
            for child in font.get("/DescendantFonts") or []:
                descriptors.append(child.get_object().get("/FontDescriptor"))
            embedded = False
            for descriptor in descriptors:
                if descriptor is None:
                    continue
                descriptor = descriptor.get_object()
                assert isinstance(descriptor, DictionaryObject)
                if any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                    embedded = True
            fonts[str(font.get("/BaseFont"))] = embedded
    return fonts


@pytest.fixture(scope="module")
def pool() -> Iterator[ConverterPool]:
    with ConverterPool(2, python=SYSTEM_PYTHON) as running:
        yield running


# ---------------------------------------------------------------- what a letter becomes


def test_default_letter_is_pdfa_2b_with_every_value(pool: ConverterPool, tmp_path: Path) -> None:
    pdf_path = pool.convert(letter(tmp_path), tmp_path / "out", timeout=60)
    assert pdf_path == tmp_path / "out" / "lettre.pdf"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["lettre.pdf"]
    pdf = pdf_path.read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert pdfa_part(pdf) == ("2", "B")
    text = normalise(pdf_text(pdf))
    context = sample_context()
    assert CLIENT_NAME in text
    for line in context["lines"]:
        assert line["name"] in text
        assert line["yearly_amount"] in text
    for value in context["totals"].values():
        assert value in text
    assert "Fait à Paris, le 15 décembre 2026." in text
    assert "{{" not in text and "{%" not in text
    fonts = embedded_fonts(pdf)
    assert fonts and all(fonts.values()), fonts


def test_two_hundred_lines_reach_the_pdf(pool: ConverterPool, tmp_path: Path) -> None:
    pdf = pool.convert(letter(tmp_path, lines=200), tmp_path / "out", timeout=60).read_bytes()
    text = normalise(pdf_text(pdf))
    assert all(f"Prestation n°{n:03d}" in text for n in range(1, 201))
    assert pdfa_part(pdf) == ("2", "B")


def test_concurrent_callers_share_the_pool(pool: ConverterPool, tmp_path: Path) -> None:
    source = letter(tmp_path)
    results: dict[int, bytes | BaseException] = {}

    def convert(index: int) -> None:
        try:
            results[index] = pool.convert(source, tmp_path / f"out{index}", 60).read_bytes()
        except BaseException as exc:  # reported below
            results[index] = exc

    threads = [threading.Thread(target=convert, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index in range(6):
        pdf = results[index]
        assert isinstance(pdf, bytes), pdf
        assert pdfa_part(pdf) == ("2", "B")


# ---------------------------------------------------------------- bad input


def test_non_docx_input_is_refused(pool: ConverterPool, tmp_path: Path) -> None:
    fake = tmp_path / "lettre.docx"
    fake.write_bytes(b"this is not a Word document")
    with pytest.raises(InvalidDocumentError, match=r"not a \.docx"):
        pool.convert(fake, tmp_path / "out")
    assert not (tmp_path / "out" / "lettre.pdf").exists()


def test_corrupt_docx_package_is_refused(pool: ConverterPool, tmp_path: Path) -> None:
    fake = tmp_path / "lettre.docx"
    with zipfile.ZipFile(fake, "w") as package:
        package.writestr("word/document.xml", "<not-wordprocessingml/")
    with pytest.raises(InvalidDocumentError, match=r"could not be loaded|cannot load"):
        pool.convert(fake, tmp_path / "out", timeout=60)
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    # The process that refused it is still fine.
    assert pdfa_part(pool.convert(letter(tmp_path), tmp_path / "ok", 60).read_bytes()) == (
        "2",
        "B",
    )


def test_missing_input_is_refused(pool: ConverterPool, tmp_path: Path) -> None:
    with pytest.raises(InvalidDocumentError, match="no such file"):
        pool.convert(tmp_path / "absent.docx", tmp_path / "out")


# ---------------------------------------------------------------- failures and recovery


def test_sigkill_during_a_batch_loses_no_letter(tmp_path: Path) -> None:
    sources = [letter(tmp_path, f"lettre-{n}") for n in range(10)]
    results: dict[int, bytes | BaseException] = {}
    first_done = threading.Event()
    with ConverterPool(2, python=SYSTEM_PYTHON) as pool:
        victims = soffice_bin_pids(pool, 0)
        assert victims

        def convert(index: int) -> None:
            try:
                results[index] = pool.convert(sources[index], tmp_path / "out", 60).read_bytes()
            except BaseException as exc:  # reported below
                results[index] = exc
            first_done.set()

        threads = [threading.Thread(target=convert, args=(i,)) for i in range(len(sources))]
        for thread in threads:
            thread.start()
        assert first_done.wait(60)
        for pid in victims:  # in the middle of the batch: both processes are busy
            os.kill(pid, signal.SIGKILL)
        for thread in threads:
            thread.join()
        for index in range(len(sources)):
            pdf = results[index]
            assert isinstance(pdf, bytes), pdf
            assert pdfa_part(pdf) == ("2", "B")
        assert pool.restarts >= 1
        # The killed slot comes back with a new LibreOffice.
        deadline = time.monotonic() + 60
        while not soffice_bin_pids(pool, 0) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert soffice_bin_pids(pool, 0) and soffice_bin_pids(pool, 0) != victims
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"lettre-{n}.pdf" for n in range(10)
    )


def test_a_process_killed_while_idle_is_replaced(tmp_path: Path) -> None:
    source = letter(tmp_path)
    with ConverterPool(1, python=SYSTEM_PYTHON) as pool:
        for pid in pool.soffice_pids()[0]:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
        for n in range(3):
            pdf = pool.convert(source, tmp_path / f"out{n}", timeout=60).read_bytes()
            assert pdfa_part(pdf) == ("2", "B")
        assert pool.restarts >= 1


def test_timeout_kills_the_process_and_the_pool_recovers(tmp_path: Path) -> None:
    source = letter(tmp_path, lines=200)
    with ConverterPool(1, python=SYSTEM_PYTHON) as pool:
        before = pool.soffice_pids()[0]
        with pytest.raises(ConversionError, match="timed out"):
            pool.convert(source, tmp_path / "out", timeout=0.05)
        assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
        assert not any(running(pid) for pid in before)
        pdf = pool.convert(source, tmp_path / "out", timeout=60).read_bytes()
        assert pdfa_part(pdf) == ("2", "B")
        assert pool.restarts == 1


def test_process_is_recycled_after_max_conversions(tmp_path: Path) -> None:
    source = letter(tmp_path)
    with ConverterPool(1, python=SYSTEM_PYTHON, max_conversions=2) as pool:
        first = soffice_bin_pids(pool, 0)
        for n in range(3):
            pool.convert(source, tmp_path / f"out{n}", timeout=60)
        assert pool.restarts == 1
        assert soffice_bin_pids(pool, 0) != first


def test_full_queue_and_no_free_process_give_clear_errors(tmp_path: Path) -> None:
    source = letter(tmp_path)
    with ConverterPool(1, python=SYSTEM_PYTHON, max_waiting=1, acquire_timeout=0.5) as pool:
        held = pool._acquire()  # the only process is busy
        try:
            with pytest.raises(ConversionError, match="no LibreOffice process became free"):
                pool.convert(source, tmp_path / "out")
            waiter_error: list[BaseException] = []

            def wait_for_a_process() -> None:
                try:
                    pool.convert(source, tmp_path / "out")
                except BaseException as exc:
                    waiter_error.append(exc)

            waiter = threading.Thread(target=wait_for_a_process)
            waiter.start()
            deadline = time.monotonic() + 5
            while pool._waiting < 1 and time.monotonic() < deadline:
                time.sleep(0.01)
            with pytest.raises(PoolFullError, match="saturated"):
                pool.convert(source, tmp_path / "out")
            waiter.join()
        finally:
            pool._release(held)
        assert pdfa_part(pool.convert(source, tmp_path / "out", 60).read_bytes()) == ("2", "B")


def test_close_stops_every_process(tmp_path: Path) -> None:
    pool = ConverterPool(2, python=SYSTEM_PYTHON).start()
    pids = [pid for slot in pool.soffice_pids() for pid in slot]
    assert pids and pool.memory_rss_bytes() > 0
    pool.close()
    time.sleep(0.2)
    assert not any(running(pid) for pid in pids)
    with pytest.raises(PoolClosedError):
        pool.convert(letter(tmp_path), tmp_path / "out")


def test_missing_system_python_fails_to_start() -> None:
    with pytest.raises(ConversionError, match="cannot start"):
        ConverterPool(1, python="/nonexistent/python3", start_timeout=5).start()
