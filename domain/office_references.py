"""What in a Word package would make a reader load something from outside the package.

A letter template is converted by the server's LibreOffice, which would follow a linked image
to any address the server can reach (an internal service, a local file) and put what it found
into a PDF the uploader reads back. So a template may refer to nothing outside itself: this
module names the first reference it finds, part by part, fed in pieces (`ReferenceScanner`),
so that a part is never held whole to be checked.

Refused:
- any relationship with ``TargetMode="External"`` (linked images, OLE links, hyperlinks,
  attached templates, frames, sub-documents: every kind, since a reader may fetch any of them);
- relationships to an ``altChunk`` (HTML, RTF or another document merged in on opening), a
  sub-document or an attached template, even inside the package;
- linked images in the drawing and VML markup (``r:link``, ``r:href``, ``o:href``, ``src``);
- ``w:altChunk``, ``w:subDoc`` and ``w:attachedTemplate`` elements;
- fields that load or run something: INCLUDETEXT, INCLUDEPICTURE, INCLUDE, IMPORT, LINK, DDE,
  DDEAUTO, in simple fields (``w:fldSimple w:instr``) and complex ones (``w:instrText`` runs
  between ``w:fldChar`` begin and separate/end, however Word splits them).
"""

from __future__ import annotations

import re

from lxml import etree

__all__ = ["DamagedPart", "ReferenceFound", "ReferenceScanner"]

_RELATIONSHIPS_NS = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
_OFFICE_NS = "urn:schemas-microsoft-com:office:office"
# Relationship types refused even when their target is inside the package.
_MERGING_TYPES = ("/aFChunk", "/subDocument", "/attachedTemplate")
_REFUSED_ELEMENTS = {"altChunk", "subDoc", "attachedTemplate"}
_LOADING_FIELD = re.compile(
    r"^\s*(INCLUDETEXT|INCLUDEPICTURE|INCLUDE|IMPORT|LINK|DDEAUTO|DDE)\b", re.IGNORECASE
)
# A field code longer than this is refused rather than accumulated.
_MAX_FIELD_CODE = 64 * 1024


class ReferenceFound(ValueError):
    """The part refers to something outside the package; the message names the part and what."""


class DamagedPart(ValueError):
    """The part is not well-formed XML, so what a lenient reader would make of it is unknown."""


def _local(name: str) -> tuple[str, str]:
    if name.startswith("{"):
        namespace, _, local = name[1:].partition("}")
        return namespace, local
    return "", name


class ReferenceScanner:
    """Fed one part's XML in pieces; raises ReferenceFound at the first outside reference.

    The parser keeps no tree: each element is dropped once its end is seen, so memory stays
    bounded by the depth of the document, not its length. DTDs are refused before this
    (`domain.office_packages.refuse_dtd`); entities are not resolved and nothing is fetched.
    """

    def __init__(self, part: str) -> None:
        self.part = part
        self._parser = etree.XMLPullParser(
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        self._fields: list[list[str]] = []  # the codes of the complex fields open here
        self._in_code = False

    def feed(self, data: bytes) -> None:
        try:
            self._parser.feed(data)
        except etree.XMLSyntaxError as error:
            raise DamagedPart(f"{self.part} is not well-formed XML: {error}") from None
        self._drain()

    def close(self) -> None:
        try:
            self._parser.close()
        except etree.XMLSyntaxError as error:
            raise DamagedPart(f"{self.part} is not well-formed XML: {error}") from None
        self._drain()

    def _refuse(self, what: str) -> None:
        raise ReferenceFound(f"{self.part}: {what}; a template must hold everything it shows")

    def _drain(self) -> None:
        for event, element in self._parser.read_events():
            if not isinstance(element.tag, str):
                continue
            _, tag = _local(element.tag)
            if event == "start":
                self._start(tag, element)
            else:
                self._end(tag, element)

    def _start(self, tag: str, element: etree._Element) -> None:
        if tag == "Relationship":
            self._relationship(element)
            return
        if tag in _REFUSED_ELEMENTS:
            self._refuse(f"a w:{tag} element loads another document")
        for name, value in element.attrib.items():
            namespace, local = _local(name)
            if (namespace in _RELATIONSHIPS_NS and local in ("link", "href")) or (
                tag == "imagedata"
                and (local == "src" or (namespace, local) == (_OFFICE_NS, "href"))
            ):
                self._refuse(f"a linked image ({local}={str(value)[:80]!r})")
            if tag == "fldSimple" and local == "instr":
                self._field_code(value)
        if tag == "fldChar":
            kind = next((v for k, v in element.attrib.items() if _local(k)[1] == "fldCharType"), "")
            if kind == "begin":
                self._fields.append([])
            elif kind in ("separate", "end") and self._fields:
                self._field_code("".join(self._fields[-1]))
                if kind == "end":
                    self._fields.pop()
                else:
                    self._fields[-1] = [""]  # the code is judged; the result follows
        elif tag in ("instrText", "delInstrText"):
            self._in_code = True

    def _end(self, tag: str, element: etree._Element) -> None:
        if tag in ("instrText", "delInstrText"):
            self._in_code = False
            if self._fields:
                self._fields[-1].append(element.text or "")
                if sum(map(len, self._fields[-1])) > _MAX_FIELD_CODE:
                    self._refuse("a field code too long to be a letter's")
            else:  # a code outside any begin/end: judged on its own
                self._field_code(element.text or "")
        # Keep no tree: the element, and its earlier siblings, are done with.
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]

    def _field_code(self, code: str) -> None:
        found = _LOADING_FIELD.match(code)
        if found is not None:
            self._refuse(f"a {found.group(1).upper()} field loads something from outside")

    def _relationship(self, element: etree._Element) -> None:
        kind = element.get("Type", "")
        target = element.get("Target", "")
        short = kind.rsplit("/", 1)[-1] or "relationship"
        if element.get("TargetMode", "").lower() == "external":
            self._refuse(f"an external relationship ({short} → {target[:80]!r})")
        if kind.endswith(_MERGING_TYPES):
            self._refuse(f"a {short} relationship merges another document in")
