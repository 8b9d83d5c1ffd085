"""The staff mission page shows the mission's amendments (read-only): number, status in
French, effective date, their documents; the letters panel says which letter is an
amendment's."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest

from api.schemas import AmendmentSummary
from api.services.amendments import IN_PROGRESS
from api.services.home import AwaitingSignature, DueWork, Home
from api.services.mission_page import AmendmentRow, LetterRow, amendment_of_document
from domain.amendments import amendment_letter_key
from domain.enums import DocumentKind, WorkKind
from domain.models import Document
from web.staff.labels import AMENDMENT_STATUS, DOCUMENT_KIND, LABELS
from web.templating import environment
from workflows.amendments import AMENDMENT_EDITABLE, AWAITING, ENDINGS

# Every status domain.models.Amendment.status documents.
AMENDMENT_STATUSES = [
    "draft",
    "letter_generated",
    "awaiting_signature",
    "signed",
    "declined",
    "expired",
    "cancelled",
]


def test_every_amendment_status_has_a_label() -> None:
    written = {*AMENDMENT_STATUSES, *AMENDMENT_EDITABLE, AWAITING, *ENDINGS.values()}
    written |= set(IN_PROGRESS)
    assert sorted(status for status in written if status not in AMENDMENT_STATUS) == []


@pytest.mark.parametrize(
    ("key", "amendment_id"),
    [
        (amendment_letter_key("amd_1", 2), "amd_1"),
        ("signed_letter:amendment:amd_1", "amd_1"),
        ("audit_trail:amendment:amd_1", "amd_1"),
        ("letter:mis_1:v1", None),
        ("mis_1:v1", None),
    ],
)
def test_a_documents_amendment_is_read_from_its_key(key: str, amendment_id: str | None) -> None:
    assert amendment_of_document(key) == amendment_id


def pdf_document(
    key: str,
    kind: DocumentKind,
    name: str,
    *,
    doc_id: str | None = None,
    firm_id: str = "frm_1",
    client_id: str = "cli_1",
    folder_id: str = "fld_1",
    mission_id: str = "mis_1",
) -> Document:
    """A filed PDF of a mission (version 1); its id made by the model unless given."""
    document = Document(
        key=key,
        firm_id=firm_id,
        client_id=client_id,
        folder_id=folder_id,
        mission_id=mission_id,
        kind=kind,
        name=name,
        version=1,
        sha256="0" * 64,
        size=1,
        content_type="application/pdf",
    )
    if doc_id is not None:
        document.id = doc_id
    return document


@dataclass
class Client:
    id: str = "cli_1"


@dataclass
class Visitor:
    kind: str = "staff"
    display_name: str = "Anne Martin"
    firm_name: str = "Cabinet"


@dataclass
class View:
    amendments: list[AmendmentRow]
    letters: list[LetterRow]
    client: Client = field(default_factory=Client)
    latest_letter_private: bool = True


LETTER = pdf_document(
    amendment_letter_key("amd_1", 1),
    DocumentKind.letter,
    "Avenant n° 1 - Tenue - v1.pdf",
    doc_id="doc_a1",
)


def test_the_amendments_panel_lists_each_amendment_in_french() -> None:
    view = View(
        amendments=[
            AmendmentRow(
                AmendmentSummary(
                    id="amd_1",
                    number=1,
                    status="awaiting_signature",
                    effective_date=date(2026, 12, 1),
                ),
                [LETTER],
            ),
            AmendmentRow(
                AmendmentSummary(
                    id="amd_2", number=2, status="draft", effective_date=date(2027, 1, 1)
                ),
                [],
            ),
        ],
        letters=[],
    )
    html = environment.get_template("staff/_amendments.html").render(
        view=view, amendment_status_label=AMENDMENT_STATUS, document_kind_label=DOCUMENT_KIND
    )
    assert "Avenants" in html
    assert "Avenant n° 1" in html
    assert "En attente de signature" in html
    assert "prend effet le 01/12/2026" in html
    assert 'href="/app/documents/doc_a1"' in html
    assert "Avenant n° 2" in html
    assert "Brouillon" in html
    assert "prend effet le 01/01/2027" in html
    assert "awaiting_signature" not in html


def test_no_amendment_no_panel() -> None:
    html = environment.get_template("staff/_amendments.html").render(
        view=View(amendments=[], letters=[]),
        amendment_status_label=AMENDMENT_STATUS,
        document_kind_label=DOCUMENT_KIND,
    )
    assert "Avenants" not in html


def test_the_letters_panel_says_which_letter_is_an_amendments() -> None:
    own = pdf_document(
        "letter:mis_1:v1", DocumentKind.letter, "Lettre de mission v1.pdf", doc_id="doc_m1"
    )
    view = View(
        amendments=[],
        letters=[LetterRow(own, "Privé", False), LetterRow(LETTER, "Privé", False, 1)],
    )
    html = environment.get_template("staff/_letters.html").render(
        view=view, document_kind_label=DOCUMENT_KIND
    )
    assert "Avenant n° 1 · Lettre de mission · v1" in html
    assert html.count("Avenant n° 1 ·") == 1


def test_the_home_page_says_which_letter_awaiting_signature_is_an_amendments() -> None:
    since = datetime(2026, 11, 20, 9, tzinfo=UTC)
    waiting = [
        AwaitingSignature("mis_1", "Tenue", "cli_1", "Dupont", since, 0, 0, 2),
        AwaitingSignature("mis_2", "Paie", "cli_1", "Dupont", since, 1, 1, 2, amendment_number=3),
    ]
    due = DueWork(
        "wrk_1", WorkKind.task, "Relancer", date(2026, 12, 1), "mis_2", "Paie", "cli_1", "Dupont"
    )
    found = Home(requests=[], statuses=[], awaiting_signature=waiting, due_work=[due], overdue=0)
    html = environment.get_template("staff/home.html").render(
        home=found, window=7, visitor=Visitor(), csrf_token="t", static="/static", path="/app/",
        **LABELS,
    )  # fmt: skip
    assert html.count("Avenant n° 3") == 1
    assert html.count("Avenant n°") == 1
    assert "Relancer" in html
