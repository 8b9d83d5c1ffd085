"""Where each signer's box goes on the letter: under their name, found in the PDF's text.

Only the letter's pages are searched: the general conditions appended after it (from the
named destination `contracts.conditions.CONDITIONS_DESTINATION` on) are signed with the
letter, not on.

A letter template prints each representative's name above a "Signature" label (the default
one does, in two columns); the box goes right under that label, or under the name when the
template has no label. Fixed coordinates would put a box over text, or in the other
signer's column, whenever a template or the length of a letter differs.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from pypdf import PageObject, PdfReader
from pypdf.errors import PdfReadError

from contracts.conditions import CONDITIONS_DESTINATION
from esignature.yousign import SignatureField

# How far below a name its "Signature" label may be, and how far off its column.
LABEL_SEARCH_POINTS = 90.0
COLUMN_TOLERANCE_POINTS = 40.0
BOX_WIDTH, BOX_HEIGHT = 180, 60
# Room left between the label's baseline (or the name's) and the box, and at the page's edge.
GAP_POINTS = 8.0
MARGIN_POINTS = 20.0


@dataclass(frozen=True)
class TextRun:
    """A piece of text as the PDF places it: its page (from 1), left edge and baseline, in
    points from the page's top left."""

    page: int
    x: float
    baseline: float
    text: str


def _plain(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _page_runs(page: PageObject, number: int, height: float) -> list[TextRun]:
    runs: list[TextRun] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            runs.append(TextRun(number, x, height - y, text))

    page.extract_text(visitor_text=visit)
    return runs


def _letter_page_count(reader: PdfReader) -> int:
    """The pages before the general conditions' named destination; all when it is absent."""
    pages = len(reader.pages)
    for name, destination in reader.named_destinations.items():
        if str(name).lstrip("/") == CONDITIONS_DESTINATION:
            start = reader.get_destination_page_number(destination)
            if start is not None and 0 < start <= pages:
                return start
    return pages


def letter_pages(pdf: bytes) -> int | None:
    """How many pages of the PDF are the letter's (the general conditions follow them);
    None when the PDF cannot be read."""
    try:
        return _letter_page_count(PdfReader(io.BytesIO(pdf)))
    except (PdfReadError, ValueError, KeyError, TypeError):
        return None


def _pages_last_first(pdf: bytes) -> Iterator[tuple[int, tuple[float, float], list[TextRun]]]:
    """Each of the letter's pages' number, width and height, and text runs, from the last
    page back; the general conditions appended after the letter are not signed on."""
    reader = PdfReader(io.BytesIO(pdf))
    pages = reader.pages
    for number in range(_letter_page_count(reader), 0, -1):
        page = pages[number - 1]
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        yield number, (width, height), _page_runs(page, number, height)


def text_runs(pdf: bytes) -> tuple[list[TextRun], dict[int, tuple[float, float]]]:
    """Every non-blank text run of the PDF, and each page's width and height."""
    runs: list[TextRun] = []
    sizes: dict[int, tuple[float, float]] = {}
    for number, size, page_runs in _pages_last_first(pdf):
        sizes[number] = size
        runs.extend(page_runs)
    return runs, sizes


def _label_under(name: TextRun, runs: list[TextRun]) -> TextRun | None:
    below = [
        run
        for run in runs
        if run.page == name.page
        and 0 < run.baseline - name.baseline <= LABEL_SEARCH_POINTS
        and abs(run.x - name.x) <= COLUMN_TOLERANCE_POINTS
        and _plain(run.text).startswith("signature")
    ]
    return min(below, key=lambda run: run.baseline, default=None)


def _places(
    runs: list[TextRun], sizes: dict[int, tuple[float, float]], names: list[str]
) -> list[SignatureField] | None:
    # The signature block ends a letter: the last occurrence of a name is the one to sign.
    latest_first = sorted(runs, key=lambda run: (-run.page, -run.baseline))
    taken: set[TextRun] = set()
    places = []
    for name in names:
        wanted = _plain(name)
        found = next(
            (run for run in latest_first if run not in taken and wanted in _plain(run.text)),
            None,
        )
        if not wanted or found is None:
            return None
        taken.add(found)
        anchor = _label_under(found, runs) or found
        width, height = sizes[found.page]
        x = min(found.x, width - BOX_WIDTH - MARGIN_POINTS)
        y = min(anchor.baseline + GAP_POINTS, height - BOX_HEIGHT - MARGIN_POINTS)
        places.append(SignatureField(page=found.page, x=round(x), y=round(y)))
    return places


def signature_places(pdf: bytes, names: list[str]) -> list[SignatureField] | None:
    """A box per signer, in the order of ``names``; None when a name is not in the letter
    (a template that does not print it) or the PDF cannot be read.

    Pages are read from the last one back, and only until every name is found: reading a
    page's text costs tens of milliseconds, and the signature block is at the end."""
    runs: list[TextRun] = []
    sizes: dict[int, tuple[float, float]] = {}
    try:
        for number, size, page_runs in _pages_last_first(pdf):
            sizes[number] = size
            runs.extend(page_runs)
            places = _places(runs, sizes, names)
            if places is not None:
                return places
    except (PdfReadError, ValueError, KeyError, TypeError):
        return None
    return None
