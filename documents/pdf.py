"""Convert a rendered .docx letter to PDF/A-2b with LibreOffice, and read PDFs back.

Pure functions, no Temporal imports: the activities wrap them.

Notes verified on LibreOffice 7.4.7:
- PDF/A-2b needs the JSON filter-options form (`_PDF_FILTER` below). The older
  `pdf:writer_pdf_Export:SelectPdfVersion=2` form exits 0 and yields a plain PDF, so the
  exit code proves nothing; tests read the XMP metadata (`pdfa_part`).
- Without `--infilter`, LibreOffice "converts" anything (garbage is imported as plain text
  and exported happily). Forcing the Word 2007 import filter makes a non-.docx input fail
  ("source file could not be loaded", still exit 0 and no output file).
- Each process gets its own throwaway profile (`-env:UserInstallation`), otherwise
  concurrent conversions collide on the shared profile and fail silently.
- Contained as the pool's processes are (`documents.containment`): an allow-listed
  environment, no network, and only its throwaway directory (where the input is copied) of
  the worker's files; its profile tells it not to load links.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path
from xml.etree import ElementTree

from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import DictionaryObject, StreamObject

from documents.containment import contained_command, contained_env, prepare_slot
from documents.converter_slots import seed_profile
from documents.processes import (
    ConversionError,
    checked_pdf,
    communicate_in_time,
    publish_atomically,
    soffice_command,
    start_in_group,
)

__all__ = ["ConversionError", "convert_to_pdf", "pdf_text", "pdfa_part"]

# PDF/A-2b, and bookmarks as named destinations (as the pool's bridge exports).
_PDF_FILTER = (
    'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"},'
    '"ExportBookmarksToPDFDestination":{"type":"boolean","value":"true"}}'
)
_DOCX_IMPORT_FILTER = "MS Word 2007 XML"
_PDFAID_NS = "http://www.aiim.org/pdfa/ns/id/"
_MAX_OUTPUT_IN_ERROR = 4000


def _is_docx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def _tail(data: bytes) -> str:
    text = data.decode("utf-8", errors="replace").strip()
    return text[-_MAX_OUTPUT_IN_ERROR:]


def checked_paths(
    docx_path: Path, out_dir: Path, error: type[ConversionError]
) -> tuple[Path, Path]:
    """The input, resolved and checked to be a .docx, and the PDF's path (its folder made)."""
    docx_path = Path(docx_path).resolve()
    if not docx_path.is_file():
        raise error(f"no such file: {docx_path}")
    if not _is_docx(docx_path):
        raise error(f"not a .docx document: {docx_path.name}")
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    return docx_path, Path(out_dir) / f"{docx_path.stem}.pdf"


def convert_to_pdf(
    docx_path: Path,
    out_dir: Path,
    *,
    soffice: str = "soffice",
    timeout: float = 120.0,
    hide: Sequence[Path] = (),
) -> Path:
    """Convert `docx_path` to `out_dir/<stem>.pdf` (PDF/A-2b) and return that path.

    The PDF appears in `out_dir` atomically (temp name, then rename). Raises
    ConversionError when the input is not a .docx, LibreOffice is missing, times out, or
    does not produce a real PDF. `hide`: directories LibreOffice must not see (the data
    directory), as for the pool.
    """
    docx_path, target = checked_paths(docx_path, out_dir, ConversionError)

    with tempfile.TemporaryDirectory(prefix="sceau-soffice-") as work_name:
        work = Path(work_name).resolve()
        profile = work / "profile"
        seed_profile(profile)
        tmp = prepare_slot(work)
        produced_dir = work / "out"
        produced_dir.mkdir()
        # LibreOffice sees only this directory: the input is copied in, under its own name
        # (the PDF is named after it).
        inside = work / "in" / docx_path.name
        inside.parent.mkdir()
        try:
            shutil.copyfile(docx_path, inside)
        except OSError as exc:
            raise ConversionError(f"cannot stage {docx_path.name} for LibreOffice: {exc}") from exc
        command = contained_command(
            soffice_command(
                soffice,
                profile,
                f"--infilter={_DOCX_IMPORT_FILTER}",
                "--convert-to",
                _PDF_FILTER,
                "--outdir",
                str(produced_dir),
                str(inside),
            ),
            slot=work,
            hide=[Path(path).resolve() for path in hide],
        )
        env = contained_env(home=profile, tmp=tmp)
        # Its own process group, so a timeout kills it all.
        proc = start_in_group(command, what="LibreOffice", env=env, cwd=work)
        try:
            stdout, stderr = communicate_in_time(proc, timeout)
        except subprocess.TimeoutExpired as exc:
            raise ConversionError(
                f"LibreOffice timed out after {timeout:g} s converting {docx_path.name}: "
                f"{_tail(exc.stderr or b'') or _tail(exc.stdout or b'')}"
            ) from exc
        # communicate() returned, so every process holding our pipes (soffice.bin
        # included) has exited: nothing is left running on the throwaway profile.

        produced = produced_dir / f"{docx_path.stem}.pdf"
        details = _tail(stderr) or _tail(stdout) or "no output"
        if proc.returncode != 0:
            raise ConversionError(
                f"LibreOffice failed (exit {proc.returncode}) converting "
                f"{docx_path.name}: {details}"
            )
        checked_pdf(produced, docx_path.name, details)
        return publish_atomically(produced, target)


def _reader(pdf: bytes) -> PdfReader:
    try:
        return PdfReader(BytesIO(pdf))
    except (PdfReadError, ValueError, OSError) as exc:
        raise ConversionError(f"not a readable PDF: {exc}") from exc


def pdf_text(pdf: bytes) -> str:
    """The text of every page, pages separated by a form feed."""
    reader = _reader(pdf)
    return "\f".join(page.extract_text() or "" for page in reader.pages)


def pdfa_part(pdf: bytes) -> tuple[str | None, str | None]:
    """(pdfaid:part, pdfaid:conformance) from the XMP metadata; (None, None) if absent."""
    reader = _reader(pdf)
    try:
        catalog = reader.trailer["/Root"].get_object()
        metadata = catalog.get("/Metadata") if isinstance(catalog, DictionaryObject) else None
        stream = metadata.get_object() if metadata is not None else None
        if not isinstance(stream, StreamObject):
            return None, None
        root = ElementTree.fromstring(stream.get_data())
    except (PdfReadError, ElementTree.ParseError, KeyError, AttributeError, ValueError):
        return None, None

    def value(name: str) -> str | None:
        qualified = f"{{{_PDFAID_NS}}}{name}"
        for element in root.iter():
            # XMP allows both <pdfaid:part>2</pdfaid:part> and pdfaid:part="2".
            if qualified in element.attrib:
                return element.attrib[qualified].strip()
            if element.tag == qualified and element.text is not None:
                return element.text.strip()
        return None

    return value("part"), value("conformance")
