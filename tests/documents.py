"""Word packages built for tests: a plain document, and one with parts swapped or added."""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from io import BytesIO

import docx


def word_document(*paragraphs: str) -> bytes:
    """A .docx with one paragraph (one run) per string, so each expression stays whole."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def with_parts(source: bytes, parts: dict[str, bytes]) -> bytes:
    """``source``'s package with each named part replaced, or added when it has none."""
    out = BytesIO()
    pending = dict(parts)
    with zipfile.ZipFile(BytesIO(source)) as old, zipfile.ZipFile(out, "w") as new:
        for entry in old.infolist():
            data = pending.pop(entry.filename, None)
            new.writestr(entry, data if data is not None else old.read(entry))
        for name, data in pending.items():
            new.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def tiny_png(width: int = 8, height: int = 8, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A valid PNG of one colour, built with the standard library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def linked_image_document(target: str, *paragraphs: str) -> bytes:
    """A .docx whose only image is linked (`r:link`, an external relationship to `target`),
    as Word writes "Insert picture → Link to file": nothing of the image is in the package."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.add_picture(BytesIO(tiny_png()))
    out = BytesIO()
    document.save(out)
    with zipfile.ZipFile(BytesIO(out.getvalue())) as package:
        body = package.read("word/document.xml").decode()
        rels = package.read("word/_rels/document.xml.rels").decode()
        media = [name for name in package.namelist() if name.startswith("word/media/")]
    embedded = re.search(r'r:embed="(rId\d+)"', body)
    assert embedded is not None
    rel_id = embedded.group(1)
    body = body.replace(f'r:embed="{rel_id}"', f'r:link="{rel_id}"')
    rels = re.sub(
        rf'<Relationship Id="{rel_id}"[^>]*/>',
        f'<Relationship Id="{rel_id}" Type="http://schemas.openxmlformats.org/officeDocument/'
        f'2006/relationships/image" Target="{target}" TargetMode="External"/>',
        rels,
    )
    linked = with_parts(
        out.getvalue(),
        {"word/document.xml": body.encode(), "word/_rels/document.xml.rels": rels.encode()},
    )
    return without_parts(linked, media)


def without_parts(source: bytes, names: list[str]) -> bytes:
    """``source``'s package without the named parts."""
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(source)) as old, zipfile.ZipFile(out, "w") as new:
        for entry in old.infolist():
            if entry.filename not in names:
                new.writestr(entry, old.read(entry))
    return out.getvalue()
