"""The catalogue and the client list read each table once, however long they grow (under the
load benchmark both grow by some 120 entries in two minutes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.database import counting_statements, database  # noqa: F401
from tests.integration.test_hostile_input import firm_admin

pytestmark = pytest.mark.usefixtures("database")


def statements(api: TestClient, path: str) -> tuple[int, list[dict[str, Any]]]:
    """How many SQL statements answering ``path`` ran, and the answer."""
    with counting_statements() as ran:
        answer = api.get(path)
    assert answer.status_code == 200, answer.text
    listed: list[dict[str, Any]] = answer.json()
    return len(ran), listed


def one_then_six(add: Callable[[TestClient, int], None], path: str) -> list[dict[str, Any]]:
    """The list at ``path`` with six entries; it ran as many statements as with one."""
    api = firm_admin()
    add(api, 0)
    one, _ = statements(api, path)
    for n in range(1, 6):
        add(api, n)
    six, listed = statements(api, path)
    assert six == one
    return listed


def add_service(api: TestClient, n: int) -> None:
    body = {
        "code": f"S{n}",
        "name": f"Service {n}",
        "price": "100.00",
        "frequency": "monthly",
        "work": [{"kind": "task", "title": f"Tâche {n}", "due": n}],
    }
    answer = api.post("/v1/services", json=body)
    assert answer.status_code == 201, answer.text


def add_client(api: TestClient, n: int) -> None:
    representative = {"first_name": "A", "last_name": f"R{n}", "email": f"r{n}@client.example"}
    body = {"name": f"Client {n}", "representatives": [representative]}
    answer = api.post("/v1/clients", json=body)
    assert answer.status_code == 201, answer.text


def test_the_catalogue_reads_each_table_once() -> None:
    listed = one_then_six(add_service, "/v1/services")
    assert [service["work"] for service in listed] == [
        [{"kind": "task", "title": f"Tâche {n}", "due": n}] for n in range(6)
    ]


def test_the_client_list_reads_each_table_once() -> None:
    listed = one_then_six(add_client, "/v1/clients")
    assert sorted(client["representatives"][0]["last_name"] for client in listed) == [
        f"R{n}" for n in range(6)
    ]
