"""One running stack for the whole end-to-end suite: starting it costs ~10 s."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.stack import Api, Stack, running_stack
from tests.integration.database import fresh_database

TRICKY_NAME = 'Dupont & Fils <SARL> "L\'Atelier" — Café Éléphant'


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with (
        fresh_database("postgresql") as url,
        running_stack(tmp_path_factory.mktemp("sceau"), url) as running,
    ):
        yield running


@pytest.fixture(scope="session")
def staff(stack: Stack) -> Api:
    return Api(stack.api, stack.demo["staff_token"])


@pytest.fixture(scope="session")
def firm_client(stack: Stack, staff: Api) -> dict[str, object]:
    """A client whose name holds every character that breaks naive templating."""
    client = staff.post(
        "/v1/clients",
        {
            "name": TRICKY_NAME,
            "legal_form": "SARL",
            "siren": "498765432",
            "address": "3 place des Terreaux, 69001 Lyon",
            "activity": "Ébénisterie & restauration <d'art>",
            "fiscal_year_end": "06-30",
            "representatives": [
                {
                    "first_name": "Zoé",
                    "last_name": "O'Connor-Lefèvre",
                    "title": "Gérante",
                    "email": "zoe@atelier.example",
                }
            ],
        },
        expect=201,
    )
    portal = staff.post(
        f"/v1/clients/{client['id']}/portal-users", {"email": "zoe@atelier.example"}, expect=201
    )
    folders = staff.get(f"/v1/clients/{client['id']}/folders")
    return {
        **client,
        "portal": Api(stack.api, portal["token"]),
        "private": next(f["id"] for f in folders if not f["shared_with_client"]),
        "shared": next(f["id"] for f in folders if f["shared_with_client"]),
    }
