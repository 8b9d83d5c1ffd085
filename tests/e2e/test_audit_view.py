"""The firm's whole audit log, for its admins: filters, pages, and nothing of another firm."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.e2e.stack import Api, Stack


def admin(stack: Stack) -> Api:
    return Api(stack.api, stack.demo["admin_token"])


def everything(api: Api, **params: Any) -> list[dict[str, Any]]:
    """Every entry, followed page by page through X-Next-After."""
    entries: list[dict[str, Any]] = []
    after = 0
    while True:
        answer = api.http.get("/v1/audit", params={**params, "after": after})
        assert answer.status_code == 200, answer.text
        entries.extend(answer.json())
        if "X-Next-After" not in answer.headers:
            return entries
        after = int(answer.headers["X-Next-After"])


def test_paging_by_three_returns_every_entry_once(stack: Stack, staff: Api) -> None:
    staff.post(  # a few more entries, whatever the other tests have done
        "/v1/clients",
        {
            "name": "Journal Paginé",
            "legal_form": "SAS",
            "siren": "552100554",
            "address": "1 rue du Registre, 75001 Paris",
            "activity": "Archives",
            "fiscal_year_end": "12-31",
            "representatives": [
                {
                    "first_name": "Ana",
                    "last_name": "Log",
                    "title": "Présidente",
                    "email": "ana@journal.example",
                }
            ],
        },
        expect=201,
    )
    whole = admin(stack).get("/v1/audit", params={"limit": 500})
    assert len(whole) >= 4
    paged = everything(admin(stack), limit=3)
    assert [e["id"] for e in paged] == [e["id"] for e in whole]
    assert [e["id"] for e in paged] == sorted({e["id"] for e in paged})


def test_filters_narrow_the_log(stack: Stack, staff: Api) -> None:
    client = staff.post(
        "/v1/clients",
        {
            "name": "Filtre & Fils",
            "legal_form": "SARL",
            "siren": "732829320",
            "address": "5 rue du Tri, 69002 Lyon",
            "activity": "Tri sélectif",
            "fiscal_year_end": "06-30",
            "representatives": [
                {
                    "first_name": "Fil",
                    "last_name": "Tre",
                    "title": "Gérant",
                    "email": "fil@tre.example",
                }
            ],
        },
        expect=201,
    )
    mine = everything(admin(stack), client_id=client["id"])
    assert mine and {e["client_id"] for e in mine} == {client["id"]}
    assert "client.created" in {e["action"] for e in mine}

    created = everything(admin(stack), action="client.created", actor=stack.demo["staff_id"])
    assert client["id"] in {e["target"] for e in created}
    assert {(e["action"], e["actor"]) for e in created} == {
        ("client.created", stack.demo["staff_id"])
    }

    now = datetime.now(UTC)
    recent = everything(
        admin(stack), client_id=client["id"], since=(now - timedelta(hours=1)).isoformat()
    )
    assert [e["id"] for e in recent] == [e["id"] for e in mine]
    assert (
        everything(
            admin(stack), client_id=client["id"], until=(now - timedelta(hours=1)).isoformat()
        )
        == []
    )


def test_bad_parameters_are_422_and_other_roles_403(stack: Stack) -> None:
    now = datetime.now(UTC)
    for params in (
        {"since": now.isoformat(), "until": (now - timedelta(days=1)).isoformat()},
        {"limit": 0},
        {"limit": 501},
        {"after": -1},
        {"since": "hier"},
    ):
        answer = admin(stack).http.get("/v1/audit", params=params)
        assert answer.status_code == 422, (params, answer.text)
        assert answer.json()["error"]["code"] == "invalid_request"
    for token in (stack.demo["staff_token"], stack.demo["portal_token"]):
        answer = httpx.get(f"{stack.api}/v1/audit", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 403
