"""Checks on Office files (.docx, .xlsx) that firms and clients upload, before anything reads them.

An Office file is a zip package. Everything here is decided from the zip's central directory
(entry names, declared sizes) and from ``[Content_Types].xml``, before any other part is
decompressed. Python's zipfile never inflates an entry past the size its directory declares,
so bounding the declared sizes bounds what any later reader (python-docx, docxtpl) can
inflate: a zip bomb is refused before it goes off.

No part is inflated whole here: ``[Content_Types].xml`` is read up to a small cap (a real one
is a few KB), and a template's parts are streamed in pieces of `CHUNK` bytes through the DTD
and reference checks (`domain.office_references`), each part once.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from domain.kept import Kept
from domain.office_references import DamagedPart, ReferenceFound, ReferenceScanner

MIB = 1024 * 1024
CONTENT_TYPES_PART = "[Content_Types].xml"
WORD_DOCUMENT = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
EXCEL_WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
# Parts that hold code or controls: VBA projects, macro sheets, ActiveX controls.
_ACTIVE_CONTENT_MARKERS = ("macroenabled", "vbaproject", "vbadata", "macrosheet", "activex")
_MACRO_EXTENSIONS = (".docm", ".dotm", ".xlsm", ".xltm", ".xlam", ".pptm")


# What zipfile raises on a damaged or unusual package, at opening or reading a part.
_UNREADABLE: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    struct.error,
    NotImplementedError,
    RuntimeError,
    ValueError,
    EOFError,
    OSError,
)


class PackageRefused(ValueError):
    """The file is not an Office package Sceau accepts; the message says why, for the caller."""


@dataclass(frozen=True)
class Limits:
    max_entries: int
    max_uncompressed: int


# A letter template is parsed whole by docxtpl and LibreOffice. A real letter is a few hundred
# KB inflated (the default one: 60 KB of XML); a firm's logo and fonts are images and fonts that
# do not deflate, so they weigh about their upload size (at most SCEAU_TEMPLATE_MAX_BYTES,
# 5 MiB). 20 MiB leaves room for both, four times over, and no more.
TEMPLATE_LIMITS = Limits(max_entries=500, max_uncompressed=20 * MIB)
# A client's file is stored and served, never parsed by Sceau. The largest real one is a
# spreadsheet: Excel's limit of 1 048 576 rows of a bank export is about 100 MiB of sheet XML
# (20 MiB on the wire at most, SCEAU_UPLOAD_MAX_BYTES). Past that it is not a document but a bomb
# aimed at whoever opens it.
UPLOAD_LIMITS = Limits(max_entries=5000, max_uncompressed=100 * MIB)
# [Content_Types].xml lists one Default per extension and one Override per part: under 200
# bytes each, so 5000 parts fit in 1 MiB. It was read whole: 100 MiB of repeated elements
# (300 KB on the wire) cost 19 s of CPU and 1.4 GB to parse.
MAX_CONTENT_TYPES = 1 * MIB
# Parts are read in pieces of this size, never whole.
CHUNK = 64 * 1024


def damaged(part: str) -> str:
    return f"the package is damaged: its part {part[:100]} cannot be read"


def _mib(size: int) -> str:
    return f"{size / MIB:g} MiB"


def open_package(data: bytes, limits: Limits) -> zipfile.ZipFile:
    """The zip, once its directory shows nothing that could exhaust memory or escape a folder."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        entries = package.infolist()
    except _UNREADABLE:
        raise PackageRefused(
            "not an Office document (the file is not a valid zip package)"
        ) from None
    if len(entries) > limits.max_entries:
        raise PackageRefused(
            f"the package holds {len(entries)} parts; at most {limits.max_entries} are accepted"
        )
    total = sum(entry.file_size for entry in entries)
    if total > limits.max_uncompressed:
        raise PackageRefused(
            f"the package would inflate to {_mib(total)}; "
            f"at most {_mib(limits.max_uncompressed)} are accepted"
        )
    for entry in entries:
        name = entry.filename
        normal = posixpath.normpath(name.replace("\\", "/"))
        if name.startswith(("/", "\\")) or normal.startswith("..") or ":" in name:
            raise PackageRefused(f"the package holds a part outside itself: {name[:100]!r}")
        if entry.flag_bits & 0x1:
            raise PackageRefused("the package is encrypted")
    return package


def content_types(package: zipfile.ZipFile) -> tuple[dict[str, str], dict[str, str]]:
    """The package's declared types: by extension (defaults) and by part name (overrides)."""
    try:
        entry = package.getinfo(CONTENT_TYPES_PART)
    except KeyError:
        raise PackageRefused(f"not an Office document (no {CONTENT_TYPES_PART})") from None
    raw = read_capped(package, entry, MAX_CONTENT_TYPES)
    refuse_dtd(CONTENT_TYPES_PART, raw)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError:
        raise PackageRefused(f"{CONTENT_TYPES_PART} is not valid XML") from None
    defaults: dict[str, str] = {}
    overrides: dict[str, str] = {}
    for element in root:
        tag = etree.QName(element).localname if isinstance(element.tag, str) else ""
        if tag == "Default":
            defaults[element.get("Extension", "").lower()] = element.get("ContentType", "")
        elif tag == "Override":
            overrides[element.get("PartName", "").lstrip("/")] = element.get("ContentType", "")
    return defaults, overrides


def chunks(package: zipfile.ZipFile, entry: zipfile.ZipInfo) -> Iterator[bytes]:
    """The inflated bytes of `entry`, in pieces of at most `CHUNK`; PackageRefused if damaged."""
    try:
        with package.open(entry) as stream:
            while piece := stream.read(CHUNK):
                yield piece
    except _UNREADABLE:
        raise PackageRefused(damaged(entry.filename)) from None


def read_capped(package: zipfile.ZipFile, entry: zipfile.ZipInfo, cap: int) -> bytes:
    """`entry` inflated, refused from its declared size or as soon as it inflates past `cap`."""
    too_large = f"{entry.filename} is larger than any real one (more than {_mib(cap)})"
    if entry.file_size > cap:
        raise PackageRefused(too_large)
    data = bytearray()
    for piece in chunks(package, entry):
        data += piece
        if len(data) > cap:
            raise PackageRefused(too_large)
    return bytes(data)


def refuse_dtd(part: str, raw: bytes, *, anywhere: bool = False) -> None:
    """No Office part needs a DTD; one is how entity expansion bombs and XXE get in."""
    lowered = raw.lower()
    head = lowered if anywhere else lowered[:4096]
    if b"<!doctype" in head or b"<!entity" in lowered:
        raise PackageRefused(f"{part} declares a DTD or entities, which Office files never do")


def refuse_active_content(
    filename: str | None, package: zipfile.ZipFile, types: tuple[dict[str, str], dict[str, str]]
) -> None:
    """Refuse macro-enabled files and any part holding macros or ActiveX controls."""
    if filename and filename.lower().endswith(_MACRO_EXTENSIONS):
        raise PackageRefused("macro-enabled Office files are refused")
    defaults, overrides = types
    declared = [*defaults.values(), *overrides.values()]
    names = [entry.filename for entry in package.infolist()]
    for value in [*declared, *names]:
        lowered = value.lower()
        if any(marker in lowered for marker in _ACTIVE_CONTENT_MARKERS):
            raise PackageRefused(f"the file holds macros or active content ({value[:120]})")


def main_type(types: tuple[dict[str, str], dict[str, str]]) -> str:
    """The content type of the package's main part (the document, or the workbook)."""
    _, overrides = types
    for part in ("word/document.xml", "xl/workbook.xml"):
        if part in overrides:
            return overrides[part]
    return ""


def check_template_package(filename: str | None, data: bytes, max_bytes: int) -> None:
    """A letter template: a .docx (never .docm), small, bounded, without macros or DTDs."""
    if not (filename or "").lower().endswith(".docx"):
        if (filename or "").lower().endswith(_MACRO_EXTENSIONS):
            raise PackageRefused("macro-enabled Office files are refused; upload a .docx")
        raise PackageRefused("a letter template must be a .docx file")
    if len(data) > max_bytes:
        raise PackageRefused(f"a template is at most {_mib(max_bytes)}")
    package = open_package(data, TEMPLATE_LIMITS)
    types = content_types(package)
    refuse_active_content(filename, package, types)
    if main_type(types) != WORD_DOCUMENT:
        raise PackageRefused("not a Word document (.docx): its main part is missing or other")
    # Every part is read once, in pieces, so a damaged one is refused now, not while rendering,
    # and nothing in it may make a reader load something from outside the package.
    for entry in package.infolist():
        if entry.filename == CONTENT_TYPES_PART:
            continue
        check_part(package, entry)


# Parts found clean, by name and SHA-256 of their inflated bytes. A rendered letter carries
# most of its template's parts unchanged (styles, theme, numbering, settings), and the largest
# of them — stylesWithEffects.xml, some 400 KB in Sceau's default — took 86 of the 108 ms its
# check cost per letter. The key is the bytes' own digest, never the zip's CRC-32, which a
# hostile template could forge; only a part that passed is kept, so a new part is always read
# through. Some thirty templates' worth of parts.
_clean_rendered_parts: Kept[tuple[str, bytes], bool] = Kept(512)


def check_rendered_package(data: bytes) -> None:
    """A rendered letter: every part streamed through the same checks as its template's
    (a part already found clean, byte for byte, is not read through again)."""
    package = open_package(data, TEMPLATE_LIMITS)
    for entry in package.infolist():
        digest = hashlib.sha256()
        for piece in chunks(package, entry):
            digest.update(piece)
        key = (entry.filename, digest.digest())
        if _clean_rendered_parts.get(key) is None:
            check_part(package, entry)
            _clean_rendered_parts.put(key, True)


def check_part(package: zipfile.ZipFile, entry: zipfile.ZipInfo) -> None:
    """Stream one part of a template: readable, no DTD, no outside reference (XML parts)."""
    name = entry.filename
    xml = name.lower().endswith((".xml", ".rels", ".vml"))
    scanner = ReferenceScanner(name) if xml else None
    head = b""
    try:
        for piece in chunks(package, entry):
            if xml:
                # The markers may straddle two pieces: look at the end of the last one too.
                refuse_dtd(name, head + piece, anywhere=True)
                head = piece[-16:]
            if scanner is not None:
                scanner.feed(piece)
        if scanner is not None:
            scanner.close()
    except ReferenceFound as found:
        raise PackageRefused(str(found)) from None
    except DamagedPart:
        raise PackageRefused(damaged(name)) from None


def office_type(data: bytes) -> str:
    """``"docx"`` or ``"xlsx"`` for a safe Word or Excel package; PackageRefused otherwise."""
    package = open_package(data, UPLOAD_LIMITS)
    types = content_types(package)  # once: it is the only part a client's file has read
    refuse_active_content(None, package, types)
    kind = {WORD_DOCUMENT: "docx", EXCEL_WORKBOOK: "xlsx"}.get(main_type(types))
    if kind is None:
        raise PackageRefused("a zip file is accepted only as a Word (.docx) or Excel (.xlsx) file")
    return kind
