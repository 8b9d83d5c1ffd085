"""An amendment (*avenant*) over HTTP on the running stack: bad drafts refused and changing
nothing, another firm answered 404 on every path, then an amendment drafted, previewed,
generated, signed at the local provider, and the mission's lines and plan changed from its
effective date while the mission stays active."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from pypdf import PdfReader

from documents.pdf import pdf_text
from domain.period import add_months
from tests.browser.mailbox import link_in, mail_files, new_messages
from tests.e2e.missions import open_year, signed_mission
from tests.e2e.stack import Api, Stack, wait_for

pytestmark = pytest.mark.e2e


def last_quarter_start() -> str:
    """The first day of the open year's last quarter (two months ago, in Paris): a quarterly
    line added from then has one slice in the year, already open."""
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Paris")).date()
    return add_months(today.replace(day=1), -2).isoformat()


@pytest.fixture(scope="module")
def mission(stack: Stack, staff: Api) -> dict[str, Any]:
    """An active mission of monthly bookkeeping over the open year, for the demo client."""
    client = staff.get(f"/v1/clients/{stack.demo['client_id']}")
    mission_id = signed_mission(
        stack,
        staff,
        client,
        stack.demo["service_ids"]["TENUE"],
        stack.demo["staff_id"],
        "Mission à amender",
    )
    wait_for(
        lambda: staff.get(f"/v1/missions/{mission_id}")["status"] == "active",
        "the mission to become active",
    )
    folders = staff.get(f"/v1/clients/{client['id']}/folders")
    return {
        "id": mission_id,
        "path": f"/v1/missions/{mission_id}/amendments",
        "folder_id": next(f["id"] for f in folders if not f["shared_with_client"]),
        "representative_id": client["representatives"][0]["id"],
    }


@pytest.fixture(scope="module")
def firm_c(stack: Stack) -> Api:
    """Another firm's administrator."""
    operator = Api(stack.api, stack.secret("operator_token"))
    firm = operator.post(
        "/v1/firms",
        {
            "name": "Cabinet C",
            "legal_form": "SAS",
            "siren": "123123123",
            "address": "1 rue C, 75001 Paris",
            "vat_number": "FR00123123123",
            "ordre_council": "Conseil régional de Paris",
        },
        expect=201,
    )
    return Api(stack.api, firm["admin_token"])


def letter_body(stack: Stack, mission: dict[str, Any]) -> dict[str, str]:
    return {
        "template_id": "default",
        "folder_id": mission["folder_id"],
        "firm_representative_id": stack.demo["staff_id"],
        "client_representative_id": mission["representative_id"],
    }


def test_bad_drafts_are_refused_and_change_nothing(
    stack: Stack, staff: Api, mission: dict[str, Any]
) -> None:
    tenue, tva = stack.demo["service_ids"]["TENUE"], stack.demo["service_ids"]["TVA"]
    start, end = open_year()
    for body, code in (
        ({"lines": [{"service_id": "svc_missing"}], "effective_date": start.isoformat()}, 422),
        (
            {"lines": [{"service_id": tva}], "effective_date": end.replace(year=end.year + 1)},
            422,
        ),
        ({"lines": [{"service_id": tenue}], "effective_date": start.isoformat()}, 422),
        ({"lines": [], "effective_date": start.isoformat()}, 422),
        ({"lines": [{"service_id": tva}], "effective_date": "soon"}, 422),
    ):
        body = {**body, "effective_date": str(body["effective_date"])}
        answer = staff.post(mission["path"], body, expect=code)
        assert answer["error"]["code"] in ("invalid_request", "validation_error"), answer
    draft = staff.post(
        "/v1/missions",
        {
            "client_id": stack.demo["client_id"],
            "name": "Brouillon",
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "frequency": "monthly",
            "lines": [{"service_id": tenue}],
        },
        expect=201,
    )
    body = {"lines": [{"service_id": tva}], "effective_date": start.isoformat()}
    staff.post(f"/v1/missions/{draft['id']}/amendments", body, expect=409)
    staff.post("/v1/missions/mis_missing/amendments", body, expect=404)
    assert staff.get(f"/v1/missions/{mission['id']}")["amendments"] == []


def test_an_amendment_is_signed_and_changes_the_lines_and_plan(
    stack: Stack, staff: Api, firm_c: Api, mission: dict[str, Any]
) -> None:
    tenue, tva = stack.demo["service_ids"]["TENUE"], stack.demo["service_ids"]["TVA"]
    effective = last_quarter_start()
    before = staff.get(f"/v1/missions/{mission['id']}")
    drafted = staff.post(
        mission["path"],
        {
            "lines": [{"service_id": tenue, "price": "99.00"}, {"service_id": tva}],
            "effective_date": effective,
            "reason": "Assujettissement à la TVA",
        },
        expect=201,
    )
    assert (drafted["number"], drafted["status"]) == (1, "draft")
    assert [change["kind"] for change in drafted["changes"]] == ["changed", "added"]
    path = f"{mission['path']}/{drafted['id']}"
    # One amendment in progress at a time.
    staff.post(mission["path"], {"lines": [{"service_id": tva}], "effective_date": effective}, 409)
    # Another firm finds nothing on any path, and changes nothing.
    body = letter_body(stack, mission)
    preview_body = {key: value for key, value in body.items() if key != "folder_id"}
    firm_c.get(path, expect=404)
    firm_c.post(
        mission["path"], {"lines": [{"service_id": tva}], "effective_date": effective}, expect=404
    )
    firm_c.post(f"{path}/letter/preview", preview_body, expect=404)
    firm_c.post(f"{path}/letter", body, expect=404)
    firm_c.post(f"{path}/signature", {}, expect=404)
    firm_c.post(f"{path}/cancel", {}, expect=404)
    assert staff.get(path)["status"] == "draft"

    preview = staff.post(
        f"{path}/letter/preview", {k: v for k, v in body.items() if k != "folder_id"}
    )
    text = " ".join(pdf_text(preview).split())
    assert "Avenant n° 1" in text and "Conditions générales" in text
    assert len(PdfReader(io.BytesIO(preview)).pages) > 1
    staff.post(f"{path}/signature", {}, expect=409)  # no letter yet

    letter = staff.post(f"{path}/letter", body, expect=201)
    assert (letter["version"], letter["status"]) == (1, "letter_generated")
    assert staff.get(path)["letter_version"] == 1
    seen = mail_files(stack)
    started = staff.post(f"{path}/signature", {}, expect=202)
    assert staff.get(path)["status"] == "awaiting_signature"
    assert staff.get(f"/v1/missions/{mission['id']}")["status"] == "active"
    # Each signer is e-mailed the amendment's own signing link, once.
    subject = f"Avenant n° 1 à signer : {before['name']}"
    to_sign = wait_for(
        lambda: len(found := new_messages(stack, seen, subject)) == 2 and found,
        "one e-mail to each signer of the amendment",
    )
    assert all(
        link_in(message, "/signer/").startswith(
            f"{stack.provider}/signer/{started['provider_request_id']}"
        )
        for message in to_sign
    )
    signing = httpx.post(f"{stack.provider}/signer/{started['provider_request_id']}/sign")
    assert signing.is_success, signing.text
    wait_for(lambda: staff.get(path)["status"] == "signed", "the amendment to be signed")

    after = staff.get(f"/v1/missions/{mission['id']}")
    assert after["status"] == "active"
    assert after["amendments"] == [
        {"id": drafted["id"], "number": 1, "status": "signed", "effective_date": effective}
    ]
    assert [(line["service_id"], line["price"]) for line in after["lines"]] == [
        (tenue, "99.00"),
        (tva, drafted["lines"][1]["price"]),
    ]
    assert after["totals"]["excl_vat"] != before["totals"]["excl_vat"]
    # The mission's letter and the amendment's, each in the letters list.
    assert [entry.get("amendment_id") for entry in after["letters"]] == [None, drafted["id"]]
    kinds = [entry["kind"] for entry in after["timeline"]]
    assert kinds.count("amendment") == 4  # drafted, letter, sent, signed
    plan = staff.get(f"/v1/missions/{mission['id']}/plan")
    vat_work = [item for item in plan if item["service_id"] == tva]
    assert vat_work and all(item["period_start"] >= effective for item in vat_work)
    assert any(item["status"] == "created" for item in vat_work)
    # Bookkeeping keeps its one item per month and work item: none twice.
    bookkeeping = [item for item in plan if item["service_id"] == tenue]
    slices = {(item["title"], item["period_start"]) for item in bookkeeping}
    assert len(slices) == len(bookkeeping) == 24
