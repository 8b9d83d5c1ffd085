"""Files clients send: the type read from the bytes, and a name safe to store and to serve.

The name and the declared Content-Type are the sender's word; the bytes decide. A file whose
bytes are none of the accepted kinds is refused, and so is one whose name claims another kind
(a PDF called ``releve.exe``, a script called ``scan.pdf``), so that what the firm downloads
is what its name says.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

from domain.office_packages import PackageRefused, office_type


class UploadRefused(ValueError):
    """The file is not one Sceau accepts; the message says why, for the client."""


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extensions: tuple[str, ...]


PDF = FileKind("application/pdf", (".pdf",))
PNG = FileKind("image/png", (".png",))
JPEG = FileKind("image/jpeg", (".jpg", ".jpeg"))
DOCX = FileKind(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)
)
XLSX = FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",))
CSV = FileKind("text/csv", (".csv",))
TEXT = FileKind("text/plain", (".txt", ".tsv"))
ACCEPTED = "PDF, PNG, JPEG, Word (.docx), Excel (.xlsx), text or CSV"

MAX_NAME_LENGTH = 120
# Characters no filesystem or Content-Disposition header should see in a name.
_UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*\u202a-\u202e\u2066-\u2069]')
# Text may hold tabs and line ends, nothing else below the space.
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def sniff(data: bytes, name: str) -> FileKind:
    """The kind of file ``data`` is, from its first bytes (and its package, for Office files)."""
    if not data:
        raise UploadRefused("the file is empty")
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        try:
            return DOCX if office_type(data) == "docx" else XLSX
        except PackageRefused as error:
            raise UploadRefused(str(error)) from None
    if _is_text(data):
        return CSV if name.lower().endswith(".csv") else TEXT
    raise UploadRefused(f"this kind of file is not accepted; send {ACCEPTED}")


def _is_text(data: bytes) -> bool:
    """UTF-8 text, or Windows-1252 (what French spreadsheets export), without control bytes."""
    if _CONTROL_BYTES.search(data):
        return False
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        pass
    try:
        data.decode("cp1252")
        return True
    except UnicodeDecodeError:
        return False


def safe_name(raw: str | None, kind: FileKind) -> str:
    """A plain file name: no folders, no control or reserved characters, the kind's extension.

    The name must not claim another kind; one without an extension gets the kind's.
    """
    name = unicodedata.normalize("NFC", raw or "")
    # Only the last component: "../../etc/passwd" and "C:\\x\\y.pdf" keep their last part.
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE_IN_NAME.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    suffix = f".{extension.lower()}" if extension else ""
    if suffix and suffix not in kind.extensions:
        if re.fullmatch(r"\.[a-z][a-z0-9]{0,7}", suffix):
            raise UploadRefused(
                f"the file's content is {kind.content_type}, but its name ends in {suffix}"
            )
        stem = name  # not an extension ("Relevé du 3.1 - final"), part of the name
        suffix = ""
    stem = stem.strip(" .") or "fichier"
    suffix = suffix or kind.extensions[0]
    return stem[: MAX_NAME_LENGTH - len(suffix)].rstrip(" .") + suffix


# RFC 5987's attr-char, less ALPHA / DIGIT (which `quote` always keeps).
_ATTR_CHAR_PUNCTUATION = "!#$&+-.^_`|~"


def content_disposition(disposition: str, name: str) -> str:
    """A ``Content-Disposition`` value for a file called ``name`` (RFC 6266).

    The name travels whole as ``filename*=UTF-8''…``, with a plain-ASCII ``filename=`` for old
    clients; control characters (a CR/LF would split the header) are removed from both.
    """
    clean = "".join(" " if _is_control(c) else c for c in unicodedata.normalize("NFC", name))
    clean = re.sub(r"\s+", " ", clean).strip() or "document"
    decomposed = unicodedata.normalize("NFKD", clean)
    fallback = "".join(c for c in decomposed if " " <= c <= "~" and c not in '"\\')
    fallback = re.sub(r"\s+", " ", fallback).strip() or "document"
    encoded = quote(clean, safe=_ATTR_CHAR_PUNCTUATION)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def _is_control(character: str) -> bool:
    """C0, DEL, C1, and the invisible marks that reorder text (a name's extension spoofed)."""
    if unicodedata.category(character) == "Cc":
        return True
    return "\u202a" <= character <= "\u202e" or "\u2066" <= character <= "\u2069"
