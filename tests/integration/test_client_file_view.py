"""The client list's search and a client's document tree, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from api.errors import ApiError
from api.services.client_file import client_header, document_space, search_clients
from api.services.mission_page import financial_year
from domain.enums import DocumentKind, MissionStatus
from domain.models import Client, Document, Folder, Mission, new_id
from tests.integration.database import database  # noqa: F401 - the fixture
from tests.integration.rows import add_firm
from tests.integration.test_mission_activities import (
    CLIENT_NAME,
    Setup,
    session_for,
    setup,  # noqa: F401 - the fixture
)

pytestmark = pytest.mark.usefixtures("database")


def test_the_search_finds_clients_by_name_or_siren_and_counts_missions(
    setup: Setup,  # noqa: F811
) -> None:
    with session_for() as session:
        for name, siren in (("Garage 100% Auto", "111 222 333"), ("Café_du_Port", "")):
            session.add(Client(firm_id=setup.firm_id, name=name, siren=siren))
        session.add(
            Mission(
                id=new_id("mis"),
                firm_id=setup.firm_id,
                client_id=setup.client_id,
                status=MissionStatus.draft,
            )
        )
        other = add_firm(session, name="Autre")
        session.add(Client(firm_id=other.id, name="Garage d'un autre cabinet"))
        session.commit()

        def names(query: str) -> list[str]:
            return [row.name for row in search_clients(session, setup.firm_id, query)]

        assert names("") == [CLIENT_NAME, "Café_du_Port", "Garage 100% Auto"]
        assert names("garage") == ["Garage 100% Auto"]
        # What is typed is text: `%` and `_` are no wildcards.
        assert names("100%") == ["Garage 100% Auto"]
        assert names("_du_") == ["Café_du_Port"]
        assert names("e_d") == []
        assert names("111222") == ["Garage 100% Auto"]
        counts = {row.name: row.missions for row in search_clients(session, setup.firm_id)}
        assert counts == {CLIENT_NAME: 1, "Café_du_Port": 0, "Garage 100% Auto": 0}

        with pytest.raises(ApiError) as refused:
            client_header(session, other.id, setup.client_id)
        assert refused.value.status == 404


def test_the_document_tree_nests_folders_and_files_each_document_once(
    setup: Setup,  # noqa: F811
) -> None:
    with session_for() as session:
        parent = session.get(Folder, setup.folder_id)
        assert parent is not None
        child = Folder(
            firm_id=setup.firm_id,
            client_id=setup.client_id,
            name="2026",
            parent_id=parent.id,
            shared_with_client=True,
        )
        session.add(child)
        session.flush()
        for folder_id, name in ((parent.id, "a.pdf"), (child.id, "b.pdf")):
            session.add(
                Document(
                    key=new_id("k"),
                    firm_id=setup.firm_id,
                    client_id=setup.client_id,
                    folder_id=folder_id,
                    kind=DocumentKind.letter,
                    name=name,
                    sha256="0" * 64,
                    size=1,
                    content_type="application/pdf",
                )
            )
        session.commit()
        space = document_space(session, setup.client_id)

    assert [node.folder.name for node in space.tree] == ["Lettres de mission"]
    root = space.tree[0]
    assert [d.name for d in root.documents] == ["a.pdf"]
    assert [(n.folder.name, [d.name for d in n.documents]) for n in root.children] == [
        ("2026", ["b.pdf"])
    ]
    assert {folder.name for folder in space.folders} == {"Lettres de mission", "2026"}


def test_a_missions_default_period_is_the_clients_financial_year() -> None:
    assert financial_year("12-31", date(2026, 3, 10)) == (date(2026, 1, 1), date(2026, 12, 31))
    assert financial_year("06-30", date(2026, 7, 1)) == (date(2026, 7, 1), date(2027, 6, 30))
    assert financial_year("06-30", date(2026, 6, 30)) == (date(2025, 7, 1), date(2026, 6, 30))
    assert financial_year("02-29", date(2027, 3, 1)) == (date(2027, 3, 1), date(2028, 2, 29))
