"""The migrated schema on SQLite and PostgreSQL: tables, exact money and dates, unique keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from domain.db import get_engine
from domain.enums import DocumentKind, Frequency, MissionStatus, WorkKind
from domain.models import (
    Client,
    Document,
    Firm,
    Folder,
    Mission,
    MissionEvent,
    MissionLine,
    Service,
    WorkItem,
    new_id,
)
from tests.integration.database import database  # noqa: F401
from tests.integration.rows import add_firm

# Every test runs once on SQLite and once on PostgreSQL, with settings pointing there.
pytestmark = pytest.mark.usefixtures("database")

SHA = "0" * 64


@dataclass(frozen=True)
class Rows:
    firm_id: str
    client_id: str
    service_id: str
    folder_id: str
    mission_id: str
    line_ids: list[str]


def build_rows(session: Session) -> Rows:
    """A firm, a client, two services, a folder and a mission with two lines, committed."""
    firm = add_firm(
        session, siren="123456789", vat_number="FR12123456789", vat_rate=Decimal("5.50")
    )
    client = Client(firm_id=firm.id, name="Boulangerie Dupont", fiscal_year_end="06-30")
    tenue = Service(
        firm_id=firm.id,
        code="TENUE",
        name="Tenue comptable",
        price=Decimal("1234.50"),
        frequency=Frequency.monthly,
    )
    frais = Service(
        firm_id=firm.id,
        code="FRAIS",
        name="Frais de dossier",
        price=Decimal("0.10"),
        frequency=Frequency.one_off,
    )
    session.add_all([client, tenue, frais])
    session.flush()
    folder = Folder(firm_id=firm.id, client_id=client.id, name="Lettres de mission")
    mission = Mission(
        id=new_id("msn"),
        firm_id=firm.id,
        client_id=client.id,
        name="Mission 2024",
        period_start=date(2024, 2, 29),
        period_end=date(2025, 2, 28),
        frequency=Frequency.monthly,
        status=MissionStatus.draft,
        created_at=datetime(2024, 2, 1, 9, 30, 15, 123456, tzinfo=UTC),
    )
    session.add_all([folder, mission])
    session.flush()
    lines = [
        MissionLine(
            id=new_id("ln"),
            mission_id=mission.id,
            position=position,
            service_id=service.id,
            code=service.code,
            name=service.name,
            price=price,
            frequency=Frequency(service.frequency),
        )
        for position, (service, price) in enumerate(
            [
                (tenue, Decimal("1234.50")),
                (frais, Decimal("0.10")),
                (tenue, Decimal("9999999999.99")),
            ]
        )
    ]
    session.add_all(lines)
    session.commit()
    return Rows(
        firm_id=firm.id,
        client_id=client.id,
        service_id=tenue.id,
        folder_id=folder.id,
        mission_id=mission.id,
        line_ids=[line.id for line in lines],
    )


def document(rows: Rows, key: str) -> Document:
    return Document(
        key=key,
        firm_id=rows.firm_id,
        client_id=rows.client_id,
        folder_id=rows.folder_id,
        mission_id=rows.mission_id,
        kind=DocumentKind.letter,
        name="Lettre.pdf",
        sha256=SHA,
        size=10,
        content_type="application/pdf",
    )


def work_item(rows: Rows, key: str) -> WorkItem:
    return WorkItem(
        key=key,
        firm_id=rows.firm_id,
        client_id=rows.client_id,
        mission_id=rows.mission_id,
        line_id=rows.line_ids[0],
        service_id=rows.service_id,
        kind=WorkKind.task,
        title="Saisie",
        due_date=date(2024, 3, 31),
    )


def event(rows: Rows, seq: int, mission_id: str | None = None) -> MissionEvent:
    return MissionEvent(
        mission_id=mission_id or rows.mission_id,
        seq=seq,
        status=MissionStatus.draft,
        at=datetime(2024, 2, 1, 10, 0, tzinfo=UTC),
    )


def test_migrations_create_every_table() -> None:
    inspector = inspect(get_engine())
    tables = set(inspector.get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    assert "alembic_version" in tables
    for name, table in SQLModel.metadata.tables.items():
        migrated = {column["name"] for column in inspector.get_columns(name)}
        assert migrated == {column.name for column in table.columns}, name


def test_migrated_nullability_matches_the_models() -> None:
    inspector = inspect(get_engine())
    drift = [
        f"{name}.{column['name']}: migrated nullable={column['nullable']}, "
        f"model nullable={table.columns[column['name']].nullable}"
        for name, table in SQLModel.metadata.tables.items()
        for column in inspector.get_columns(name)
        if bool(column["nullable"]) != bool(table.columns[column["name"]].nullable)
    ]
    assert drift == []


def test_round_trip_keeps_money_and_dates_exact() -> None:
    engine = get_engine()
    with Session(engine) as session:
        rows = build_rows(session)

    with Session(engine) as session:
        firm = session.get(Firm, rows.firm_id)
        service = session.get(Service, rows.service_id)
        mission = session.get(Mission, rows.mission_id)
        lines = session.exec(
            select(MissionLine)
            .where(MissionLine.mission_id == rows.mission_id)
            .order_by(col(MissionLine.position))
        ).all()
        assert firm is not None and service is not None and mission is not None

        assert isinstance(firm.vat_rate, Decimal) and str(firm.vat_rate) == "5.50"
        assert isinstance(service.price, Decimal) and str(service.price) == "1234.50"
        assert [str(line.price) for line in lines] == ["1234.50", "0.10", "9999999999.99"]
        assert all(isinstance(line.price, Decimal) for line in lines)
        assert sum((line.price for line in lines), Decimal(0)) == Decimal("10000001234.59")
        assert [line.frequency for line in lines] == [
            Frequency.monthly,
            Frequency.one_off,
            Frequency.monthly,
        ]

        assert type(mission.period_start) is date and mission.period_start == date(2024, 2, 29)
        assert type(mission.period_end) is date and mission.period_end == date(2025, 2, 28)
        assert mission.created_at == datetime(2024, 2, 1, 9, 30, 15, 123456, tzinfo=UTC)
        assert mission.status == MissionStatus.draft
        assert mission.frequency == Frequency.monthly


def test_document_key_is_unique() -> None:
    with Session(get_engine()) as session:
        rows = build_rows(session)
        session.add(document(rows, "letter:m:v1"))
        session.commit()
        session.add(document(rows, "letter:m:v1"))
        with pytest.raises(IntegrityError):
            session.commit()
        session.rollback()
        session.add(document(rows, "letter:m:v2"))
        session.commit()
        assert len(session.exec(select(Document)).all()) == 2


def test_work_item_key_is_unique() -> None:
    with Session(get_engine()) as session:
        rows = build_rows(session)
        session.add(work_item(rows, "m:l:0:0"))
        session.commit()
        session.add(work_item(rows, "m:l:0:0"))
        with pytest.raises(IntegrityError):
            session.commit()
        session.rollback()
        session.add(work_item(rows, "m:l:0:1"))
        session.commit()
        assert len(session.exec(select(WorkItem)).all()) == 2


def test_mission_event_seq_is_unique_per_mission() -> None:
    with Session(get_engine()) as session:
        rows = build_rows(session)
        other = Mission(
            id=new_id("msn"),
            firm_id=rows.firm_id,
            client_id=rows.client_id,
            status=MissionStatus.requested,
        )
        session.add(other)
        session.add(event(rows, 1))
        session.commit()
        # The same seq in another mission, and the next seq in this one, are fine.
        session.add_all([event(rows, 1, other.id), event(rows, 2)])
        session.commit()

        session.add(event(rows, 1))
        with pytest.raises(IntegrityError):
            session.commit()
        session.rollback()
        assert len(session.exec(select(MissionEvent)).all()) == 3
