"""A firm's general conditions through the running stack: the default ones follow every letter,
a firm's own PDF or .docx replaces them, a hostile upload is refused and changes nothing, and
the filed letter — conditions included — is what goes to the signers."""

from __future__ import annotations

import io
import re
from typing import Any

import docx
import httpx
import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from documents.pdf import pdf_text
from domain.general_conditions import DEFAULT_CONDITIONS_PATH
from tests.documents import word_document
from tests.e2e.stack import Api, Stack, wait_for

PATH = "/v1/general-conditions"
PAGE_MARK = re.compile(r"Page (\d+) / (\d+)")


def two_page_pdf(stack: Stack, staff: Api, mission: dict[str, Any]) -> bytes:
    """A firm's own two-page PDF: a letter preview cut to its first two pages."""
    preview = staff.post(f"/v1/missions/{mission['id']}/letter/preview", mission["letter"])
    writer = PdfWriter()
    reader = PdfReader(io.BytesIO(preview))
    writer.add_page(reader.pages[0])
    writer.add_page(reader.pages[1])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def firm(stack: Stack) -> dict[str, Any]:
    """A firm of its own, so that its conditions change no other test's letters."""
    operator = Api(stack.api, stack.secret("operator_token"))
    created = operator.post(
        "/v1/firms",
        {
            "name": "Cabinet des Conditions",
            "legal_form": "SAS",
            "siren": "552100554",
            "address": "5 rue des Lices, 49100 Angers",
            "vat_number": "FR00552100554",
            "ordre_council": "Pays de la Loire",
        },
        expect=201,
    )
    admin = Api(stack.api, created["admin_token"])
    partner = admin.post(
        "/v1/staff",
        {
            "email": "associee@conditions.example",
            "first_name": "Agathe",
            "last_name": "Roux",
            "title": "Associée",
            "legal_representative": True,
        },
        expect=201,
    )
    service = admin.post(
        "/v1/services",
        {"code": "TENUE", "name": "Tenue", "price": "100.00", "frequency": "yearly"},
        expect=201,
    )
    client = admin.post(
        "/v1/clients",
        {
            "name": "Boulangerie Lenoir",
            "representatives": [
                {"first_name": "Paul", "last_name": "Lenoir", "email": "paul@lenoir.example"}
            ],
        },
        expect=201,
    )
    mission = admin.post(
        "/v1/missions",
        {
            "client_id": client["id"],
            "name": "Mission 2027",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "frequency": "yearly",
            "lines": [{"service_id": service["id"]}],
        },
        expect=201,
    )
    folders = admin.get(f"/v1/clients/{client['id']}/folders")
    mission["letter"] = {
        "firm_representative_id": partner["id"],
        "client_representative_id": client["representatives"][0]["id"],
    }
    mission["folder"] = next(f["id"] for f in folders if not f["shared_with_client"])
    return {"staff": Api(stack.api, partner["token"]), "mission": mission}


def upload(staff: Api, name: str, data: bytes) -> httpx.Response:
    return staff.http.put(PATH, files={"file": (name, data)}, data={"name": "Nos conditions"})


def preview_text(staff: Api, mission: dict[str, Any]) -> tuple[int, list[str]]:
    pdf = staff.post(f"/v1/missions/{mission['id']}/letter/preview", mission["letter"])
    texts = pdf_text(pdf).split("\f")
    return len(texts), texts


def assert_numbered_through(texts: list[str]) -> None:
    for number, text in enumerate(texts, start=1):
        assert (str(number), str(len(texts))) in PAGE_MARK.findall(text), number


def test_the_default_conditions_come_with_every_letter(firm: dict[str, Any]) -> None:
    staff, mission = firm["staff"], firm["mission"]
    described = staff.get(PATH)
    assert described["source"] == "default"
    assert described["format"] == "docx"
    assert staff.get(f"{PATH}/content") == DEFAULT_CONDITIONS_PATH.read_bytes()
    _, texts = preview_text(staff, mission)
    whole = " ".join(" ".join(texts).split())
    assert "Conditions générales d'intervention" in whole
    assert "Secret professionnel" in whole
    assert "Cabinet des Conditions" in whole
    assert_numbered_through(texts)


def test_a_firm_pdf_replaces_them_and_a_delete_brings_them_back(
    stack: Stack, firm: dict[str, Any]
) -> None:
    staff, mission = firm["staff"], firm["mission"]
    default_pages, _ = preview_text(staff, mission)
    own = two_page_pdf(stack, staff, mission)

    answer = upload(staff, "cgv.pdf", own)
    assert answer.status_code == 200, answer.text
    described = answer.json()
    assert (described["source"], described["format"], described["pages"]) == ("firm", "pdf", 2)
    assert staff.get(PATH) == described
    assert staff.get(f"{PATH}/content") == own
    # Another firm's letters keep their own (here the demo firm's: the default).
    other = Api(stack.api, stack.demo["staff_token"])
    assert other.get(PATH)["source"] == "default"
    assert other.get(f"{PATH}/content") == DEFAULT_CONDITIONS_PATH.read_bytes()

    pages, texts = preview_text(staff, mission)
    assert "Secret professionnel" not in " ".join(texts)
    letter_pages = default_pages - (pages - 2)  # the default's pages, replaced by the PDF's 2
    assert letter_pages > 0
    assert_numbered_through(texts)

    staff.call("DELETE", PATH, 204)
    assert staff.get(PATH)["source"] == "default"
    staff.call("DELETE", PATH, 404)
    assert preview_text(staff, mission)[0] == default_pages


def test_a_firm_docx_is_rendered_with_the_letter(firm: dict[str, Any]) -> None:
    staff, mission = firm["staff"], firm["mission"]
    own = word_document("Conditions maison de {{ firm.name }} pour {{ client.name }}")
    answer = upload(staff, "cgv.docx", own)
    assert answer.status_code == 200, answer.text
    assert answer.json()["format"] == "docx"
    _, texts = preview_text(staff, mission)
    whole = " ".join(" ".join(texts).split())
    assert "Conditions maison de Cabinet des Conditions pour Boulangerie Lenoir" in whole
    assert "Secret professionnel" not in whole
    staff.call("DELETE", PATH, 204)


def javascript_pdf(base: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(base)))
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("1")}
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def attached_file_pdf(base: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(base)))
    writer.add_attachment("payload.exe", b"MZ")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf(base: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(base)))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def many_pages_pdf() -> bytes:
    writer = PdfWriter()
    for _ in range(31):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def macro_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("x")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_hostile_uploads_are_refused_and_change_nothing(stack: Stack, firm: dict[str, Any]) -> None:
    staff, mission = firm["staff"], firm["mission"]
    own = two_page_pdf(stack, staff, mission)
    kept = upload(staff, "cgv.pdf", own).json()
    attacks = {
        "javascript": ("cgv.pdf", javascript_pdf(own), 422, "JavaScript"),
        "attachment": ("cgv.pdf", attached_file_pdf(own), 422, "embedded files"),
        "encrypted": ("cgv.pdf", encrypted_pdf(own), 422, "encrypted"),
        "pages": ("cgv.pdf", many_pages_pdf(), 422, "31 pages"),
        "not-a-pdf": ("cgv.pdf", b"%PDF-1.7\n" + b"\x00" * 64, 422, "cannot be read"),
        "docx-as-pdf": ("cgv.pdf", macro_docx(), 422, "not a PDF"),
        "exe": ("cgv.exe", b"MZ\x90\x00", 422, ".docx or a PDF"),
        "docm": ("cgv.docm", macro_docx(), 422, ".docx or a PDF"),
        "unknown-value": ("cgv.docx", word_document("{{ client.fax }}"), 422, "fax"),
        "private": ("cgv.docx", word_document("{{ firm.__class__ }}"), 422, "__class__"),
        "too-large": ("cgv.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024 + 1), 413, "at most"),
    }
    for name, (filename, data, status, message) in attacks.items():
        answer = upload(staff, filename, data)
        assert answer.status_code == status, (name, answer.text)
        error = answer.json()["error"]
        assert message in error["message"] or message in str(error["details"]), (name, error)
        assert staff.get(PATH) == kept, name
    assert staff.get(f"{PATH}/content") == own
    staff.call("DELETE", PATH, 204)


def test_the_letter_sent_for_signature_carries_the_conditions(
    stack: Stack, firm: dict[str, Any]
) -> None:
    staff, mission = firm["staff"], firm["mission"]
    filed = staff.post(
        f"/v1/missions/{mission['id']}/letter",
        {**mission["letter"], "template_id": "default", "folder_id": mission["folder"]},
        expect=201,
    )
    letter = staff.get(f"/v1/documents/{filed['document_id']}/content")
    texts = pdf_text(letter).split("\f")
    assert "Responsabilité et assurance" in " ".join(texts)
    assert_numbered_through(texts)
    started = staff.post(f"/v1/missions/{mission['id']}/signature", {}, expect=202)
    # The provider holds exactly the filed PDF, conditions included, with both boxes placed
    # on the letter's last page, before the conditions.
    request_id = started["provider_request_id"]
    key = stack.secret("yousign_api_key")
    provider = httpx.Client(
        base_url=f"{stack.provider}/v3", headers={"Authorization": f"Bearer {key}"}
    )
    documents = wait_for(
        lambda: provider.get(f"/signature_requests/{request_id}/documents").json() or None,
        "the document at the provider",
    )
    assert documents[0]["total_pages"] == len(texts)
    signers = provider.get(f"/signature_requests/{request_id}/signers").json()
    pages = {field["page"] for signer in signers for field in signer["fields"]}
    letter_last_page = max(
        number for number, text in enumerate(texts, start=1) if "Signature :" in text
    )
    assert pages == {letter_last_page}
    assert "Secret professionnel" not in texts[letter_last_page - 1]
