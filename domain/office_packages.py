"""Checks on Office files (.docx, .xlsx) that firms and clients upload, before anything reads them.

An Office file is a zip package. Everything here is decided from the zip's central directory
(entry names, declared sizes) and from ``[Content_Types].xml``, before any other part is
decompressed. Python's zipfile never inflates an entry past the size its directory declares,
so bounding the declared sizes bounds what any later reader (python-docx, docxtpl) can
inflate: a zip bomb is refused before it goes off.
"""

from __future__ import annotations

import io
import posixpath
import struct
import zipfile
import zlib
from dataclasses import dataclass

from lxml import etree

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


# A letter template is inflated whole and parsed, so its bounds are tight.
TEMPLATE_LIMITS = Limits(max_entries=500, max_uncompressed=50 * MIB)
# A client's spreadsheet of bank lines compresses ten to one; it is only stored, never parsed.
UPLOAD_LIMITS = Limits(max_entries=5000, max_uncompressed=500 * MIB)


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
        raw = package.read(CONTENT_TYPES_PART)
    except KeyError:
        raise PackageRefused(f"not an Office document (no {CONTENT_TYPES_PART})") from None
    except _UNREADABLE:
        raise PackageRefused(damaged(CONTENT_TYPES_PART)) from None
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


def refuse_dtd(part: str, raw: bytes) -> None:
    """No Office part needs a DTD; one is how entity expansion bombs and XXE get in."""
    head = raw[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in raw.lower():
        raise PackageRefused(f"{part} declares a DTD or entities, which Office files never do")


def refuse_active_content(filename: str | None, package: zipfile.ZipFile) -> None:
    """Refuse macro-enabled files and any part holding macros or ActiveX controls."""
    if filename and filename.lower().endswith(_MACRO_EXTENSIONS):
        raise PackageRefused("macro-enabled Office files are refused")
    defaults, overrides = content_types(package)
    declared = [*defaults.values(), *overrides.values()]
    names = [entry.filename for entry in package.infolist()]
    for value in [*declared, *names]:
        lowered = value.lower()
        if any(marker in lowered for marker in _ACTIVE_CONTENT_MARKERS):
            raise PackageRefused(f"the file holds macros or active content ({value[:120]})")


def main_type(package: zipfile.ZipFile) -> str:
    """The content type of the package's main part (the document, or the workbook)."""
    _, overrides = content_types(package)
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
    refuse_active_content(filename, package)
    if main_type(package) != WORD_DOCUMENT:
        raise PackageRefused("not a Word document (.docx): its main part is missing or other")
    # The template is about to be inflated whole anyway, within the bounds checked above:
    # every part is read once here, so a damaged one is refused now, not while rendering.
    for entry in package.infolist():
        try:
            raw = package.read(entry)
        except _UNREADABLE:
            raise PackageRefused(damaged(entry.filename)) from None
        if entry.filename.lower().endswith((".xml", ".rels")):
            refuse_dtd(entry.filename, raw)


def office_type(data: bytes) -> str:
    """``"docx"`` or ``"xlsx"`` for a safe Word or Excel package; PackageRefused otherwise."""
    package = open_package(data, UPLOAD_LIMITS)
    refuse_active_content(None, package)
    kind = {WORD_DOCUMENT: "docx", EXCEL_WORKBOOK: "xlsx"}.get(main_type(package))
    if kind is None:
        raise PackageRefused("a zip file is accepted only as a Word (.docx) or Excel (.xlsx) file")
    return kind
