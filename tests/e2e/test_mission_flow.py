"""The whole flow over HTTP against the running processes: `sceau run` on PostgreSQL."""

from __future__ import annotations

import io
import json
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader

from documents.pdf import pdf_text
from esignature.webhook_signing import HEADER, sign
from tests.e2e.conftest import TRICKY_NAME
from tests.e2e.missions import open_year
from tests.e2e.stack import Api, Stack, wait_for

pytestmark = pytest.mark.e2e

LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl"})


def text_of(pdf: bytes) -> str:
    # Line wraps and the ligatures Carlito draws are layout, not content: fold them.
    return " ".join(pdf_text(pdf).translate(LIGATURES).split())


def letter_body(stack: Stack, client: dict[str, object], folder: object) -> dict[str, object]:
    return {
        "template_id": "default",
        "folder_id": folder,
        "firm_representative_id": stack.demo["staff_id"],
        "client_representative_id": client["representatives"][0]["id"],  # type: ignore[index]
    }


def signed_webhook(stack: Stack, provider_request_id: str, event_id: str) -> tuple[bytes, str]:
    body = json.dumps(
        {
            "event_id": event_id,
            "event_name": "signature_request.done",
            "event_time": str(int(time.time())),
            "data": {"signature_request": {"id": provider_request_id, "status": "done"}},
        }
    ).encode()
    return body, sign(stack.secret("yousign_webhook_secret"), body)


def test_request_to_signed_letter_and_work(stack: Stack, staff: Api, firm_client: dict) -> None:
    services = stack.demo["service_ids"]
    portal: Api = firm_client["portal"]

    request = portal.post(
        "/v1/portal/service-requests",
        {"service_ids": [services["TENUE"], services["TVA"]], "message": "Bonjour"},
        expect=201,
    )
    adjusted = staff.patch(
        f"/v1/service-requests/{request['id']}",
        {"service_ids": [services["TENUE"], services["TVA"], services["BILAN"]]},
    )
    assert len(adjusted["service_ids"]) == 3

    # The twelve months up to this one: each has opened, so signing creates all their work.
    period_start, period_end = open_year()
    mission = staff.post(
        "/v1/missions",
        {
            "client_id": firm_client["id"],
            "service_request_id": request["id"],
            "name": "Mission comptable 2027",
            "period_start": period_start.isoformat(),
            "period_end": period_end.isoformat(),
            "frequency": "monthly",
            "lines": [
                {"service_id": services["TENUE"]},
                {"service_id": services["TVA"], "price": "95.50"},
                {"service_id": services["BILAN"]},
            ],
        },
        expect=201,
    )
    mission_id = mission["id"]
    assert mission["status"] == "draft"
    assert mission["id"] == request["mission_id"]
    # 250 × 12 + 95.50 × 4 + 1 800 × 1 = 5 182.00; VAT 20 % = 1 036.40.
    assert mission["totals"]["excl_vat"] == "5182.00"
    assert mission["totals"]["incl_vat"] == "6218.40"

    documents_before = staff.get(f"/v1/clients/{firm_client['id']}/documents")
    preview = staff.post(
        f"/v1/missions/{mission_id}/letter/preview",
        {k: v for k, v in letter_body(stack, firm_client, None).items() if k != "folder_id"},
    )
    assert preview.startswith(b"%PDF")
    assert TRICKY_NAME in text_of(preview)
    assert staff.get(f"/v1/clients/{firm_client['id']}/documents") == documents_before

    first = staff.post(
        f"/v1/missions/{mission_id}/letter",
        letter_body(stack, firm_client, firm_client["private"]),
        expect=201,
    )
    second = staff.post(
        f"/v1/missions/{mission_id}/letter",
        letter_body(stack, firm_client, firm_client["private"]),
        expect=201,
    )
    assert (first["version"], second["version"]) == (1, 2)
    in_private = staff.get(
        f"/v1/clients/{firm_client['id']}/documents", params={"folder_id": firm_client["private"]}
    )
    assert [doc["version"] for doc in in_private] == [1, 2]

    letter = staff.get(f"/v1/documents/{second['document_id']}/content")
    text = text_of(letter)
    for expected in (
        TRICKY_NAME,
        "Ébénisterie & restauration <d'art>",
        "Zoé O'Connor-Lefèvre",
        "Claire Martin",
        "Tenue de la comptabilité",
        "Déclarations de TVA",
        "Comptes annuels et liasse fiscale",
        "95,50 €",
        "382,00 €",
        "3 000,00 €",
        "1 800,00 €",
        "5 182,00 €",
        "1 036,40 €",
        "6 218,40 €",
    ):
        assert expected in text, expected

    # Private until the firm moves it into a shared folder.
    assert portal.get("/v1/portal/documents") == []
    portal.get(f"/v1/portal/documents/{second['document_id']}/content", expect=404)
    staff.post(f"/v1/documents/{second['document_id']}/move", {"folder_id": firm_client["shared"]})
    visible = portal.get("/v1/portal/documents")
    assert [doc["id"] for doc in visible] == [second["document_id"]]
    assert portal.get(f"/v1/portal/documents/{second['document_id']}/content") == letter

    started = staff.post(f"/v1/missions/{mission_id}/signature", {}, expect=202)
    line_id = mission["lines"][0]["id"]
    staff.patch(f"/v1/missions/{mission_id}/lines/{line_id}", {"price": "1.00"}, expect=409)
    staff.post(
        f"/v1/missions/{mission_id}/letter",
        letter_body(stack, firm_client, firm_client["private"]),
        expect=409,
    )

    signer = httpx.post(f"{stack.provider}/signer/{started['provider_request_id']}/sign")
    assert signer.status_code == 200
    active = wait_for(
        lambda: (m := staff.get(f"/v1/missions/{mission_id}"))["status"] == "active" and m,
        "the mission to become active",
    )
    assert [step["status"] for step in active["timeline"]] == [
        "requested",
        "draft",
        "letter_generated",
        "letter_generated",
        "awaiting_signature",
        "signed",
        "active",
    ]
    assert active["signature"]["provider_request_id"] == started["provider_request_id"]
    assert active["signature"]["status"] == "done"
    assert [signer["status"] for signer in active["signature"]["signers"]] == ["signed", "signed"]

    # TENUE monthly: a request and a task each month; TVA quarterly: a task a quarter;
    # BILAN yearly: one of each; plus the firm's review of the client's request.
    def work_counts() -> Counter[str]:
        items = staff.get("/v1/tasks", params={"mission_id": mission_id})
        return Counter(item["kind"] for item in items)

    assert work_counts() == {"task": 12 + 4 + 1 + 1, "information_request": 12 + 1}
    asked = portal.get("/v1/portal/information-requests")
    assert len(asked) == 13
    last_month = [item for item in asked if item["title"].endswith(period_end.strftime("(%m/%Y)"))]
    assert [item["due_date"] for item in last_month] == [period_end.isoformat()]

    shared = staff.get(
        f"/v1/clients/{firm_client['id']}/documents", params={"folder_id": firm_client["shared"]}
    )
    kinds = {doc["kind"]: doc for doc in shared}
    assert set(kinds) == {"letter", "signed_letter", "audit_trail"}
    signed = staff.get(f"/v1/documents/{kinds['signed_letter']['id']}/content")
    assert len(PdfReader(io.BytesIO(signed)).pages) == len(PdfReader(io.BytesIO(letter)).pages) + 1
    assert "Signé électroniquement" in text_of(signed)

    # The provider delivering the same event again, or a new one for a signed request,
    # changes nothing; a forged one is refused.
    body, signature = signed_webhook(stack, started["provider_request_id"], str(uuid.uuid4()))
    for _ in range(2):
        answer = httpx.post(
            f"{stack.api}/v1/webhooks/signature/yousign",
            content=body,
            headers={HEADER: signature, "content-type": "application/json"},
        )
        assert answer.status_code == 200
    forged = httpx.post(
        f"{stack.api}/v1/webhooks/signature/yousign",
        content=body,
        headers={HEADER: "sha256=" + "0" * 64, "content-type": "application/json"},
    )
    assert forged.status_code == 401
    time.sleep(2)
    assert work_counts() == {"task": 18, "information_request": 13}
    again = staff.get(f"/v1/missions/{mission_id}")
    assert len(again["timeline"]) == len(active["timeline"])
    assert len(staff.get(f"/v1/clients/{firm_client['id']}/documents")) == 4


def test_declined_letter_creates_no_work_but_a_follow_up(
    stack: Stack, staff: Api, firm_client: dict
) -> None:
    mission = staff.post(
        "/v1/missions",
        {
            "client_id": firm_client["id"],
            "name": "Mission sociale",
            "period_start": "2027-01-01",
            "period_end": "2027-06-30",
            "frequency": "quarterly",
            "lines": [{"service_id": stack.demo["service_ids"]["TVA"]}],
        },
        expect=201,
    )
    assert mission["status"] == "draft"
    staff.post(
        f"/v1/missions/{mission['id']}/letter",
        letter_body(stack, firm_client, firm_client["private"]),
        expect=201,
    )
    started = staff.post(f"/v1/missions/{mission['id']}/signature", expect=202)
    declined = httpx.post(
        f"{stack.provider}/signer/{started['provider_request_id']}/decline",
        json={"reason": "Honoraires trop élevés"},
    )
    assert declined.status_code == 200
    final = wait_for(
        lambda: (m := staff.get(f"/v1/missions/{mission['id']}"))["status"] == "declined" and m,
        "the mission to be declined",
    )
    assert final["timeline"][-1]["reason"] == "Honoraires trop élevés"
    assert final["signature"]["status"] == "declined"
    # No work, but one task for the firm to follow the refusal up.
    (follow_up,) = staff.get("/v1/tasks", params={"mission_id": mission["id"]})
    assert follow_up["kind"] == "task"
    assert "Honoraires trop élevés" in follow_up["title"]


def test_bad_input_gets_a_4xx_and_changes_nothing(
    stack: Stack, staff: Api, firm_client: dict
) -> None:
    services = stack.demo["service_ids"]
    operator = Api(stack.api, stack.secret("operator_token"))
    other_firm = operator.post(
        "/v1/firms",
        {
            "name": "Autre cabinet",
            "legal_form": "SAS",
            "siren": "123456789",
            "address": "1 rue de Paris, 75001 Paris",
            "vat_number": "FR00123456789",
            "ordre_council": "Conseil régional de Paris Île-de-France",
        },
        expect=201,
    )
    other = Api(stack.api, other_firm["admin_token"])
    other_client = other.post("/v1/clients", {"name": "Client d'un autre"}, expect=201)
    other_service = other.post(
        "/v1/services",
        {"code": "X", "name": "X", "price": "10", "frequency": "yearly"},
        expect=201,
    )

    def mission_ids() -> list[str]:
        return [m["id"] for m in staff.get("/v1/missions")]

    missions_before = mission_ids()
    mission = {
        "client_id": firm_client["id"],
        "name": "Mission",
        "period_start": "2027-01-01",
        "period_end": "2027-12-31",
        "frequency": "monthly",
        "lines": [{"service_id": services["TENUE"]}],
    }
    cases = [
        ({**mission, "lines": [{"service_id": services["TENUE"], "price": "-1.00"}]}, 422),
        ({**mission, "period_end": "2026-12-31"}, 422),
        ({**mission, "period_end": "2033-01-01"}, 422),
        ({**mission, "lines": [{"service_id": "svc_unknown"}]}, 422),
        ({**mission, "lines": [{"service_id": other_service["id"]}]}, 422),
        ({**mission, "client_id": other_client["id"]}, 404),
        ({**mission, "lines": [{"service_id": services["TENUE"], "price": "1.234"}]}, 422),
        ({**mission, "frequency": "weekly"}, 422),
        ({**mission, "lines": [{"service_id": services["TENUE"], "price": "1e30"}]}, 422),
        ({**mission, "name": "Mission\x00"}, 422),
    ]
    for body, status in cases:
        answer = staff.post("/v1/missions", body, expect=status)
        assert set(answer["error"]) >= {"code", "message"}
    assert mission_ids() == missions_before

    mine = staff.post("/v1/missions", mission, expect=201)
    other.get(f"/v1/missions/{mine['id']}", expect=404)
    other.get(f"/v1/clients/{firm_client['id']}", expect=404)
    other.post(f"/v1/missions/{mine['id']}/cancel", {}, expect=404)
    staff.get(f"/v1/clients/{other_client['id']}/folders", expect=404)
    staff.get("/v1/missions", expect=200)
    Api(stack.api, "not-a-token").get("/v1/missions", expect=401)
    non_ascii = httpx.get(
        f"{stack.api}/v1/missions", headers={b"Authorization": "Bearer tok\xe9n".encode("latin-1")}
    )
    assert non_ascii.status_code == 401
    clients_before = staff.get("/v1/clients")
    staff.post("/v1/clients", {"name": "Nul\x00"}, expect=422)
    assert staff.get("/v1/clients") == clients_before
    firm_client["portal"].get("/v1/missions", expect=403)
    staff.post(f"/v1/missions/{mine['id']}/signature", {}, expect=409)
    unsigned = httpx.post(
        f"{stack.api}/v1/webhooks/signature/yousign",
        content=b'{"event_id": "x"}',
        headers={"content-type": "application/json"},
    )
    assert unsigned.status_code == 401
    assert staff.get(f"/v1/missions/{mine['id']}")["status"] == "draft"


def test_stack_data_dir_holds_the_ged(stack: Stack) -> None:
    blobs = [path for path in Path(stack.data_dir, "ged").rglob("*") if path.is_file()]
    assert blobs, "the GED keeps its files under the data directory"
