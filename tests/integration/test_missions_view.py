"""The missions list reads each table once, however many missions the firm has."""

from __future__ import annotations

import pytest
from sqlmodel import select

from api.missions_view import mission_out, missions_out
from domain.enums import MissionStatus
from domain.models import Mission, MissionLine, new_id
from tests.integration.database import counting_statements, database  # noqa: F401 - the fixture
from tests.integration.test_mission_activities import (
    Setup,
    drafted_mission,
    session_for,
    setup,  # noqa: F401 - the fixture
)

pytestmark = pytest.mark.usefixtures("database")


def copies_of_the_mission(setup: Setup, count: int) -> list[str]:  # noqa: F811
    """``count`` more missions of the same client, each with the first one's lines."""
    ids = []
    with session_for() as session:
        lines = session.exec(
            select(MissionLine).where(MissionLine.mission_id == setup.mission_id)
        ).all()
        for n in range(count):
            mission = Mission(
                id=new_id("mis"),
                firm_id=setup.firm_id,
                client_id=setup.client_id,
                name=f"Copie {n}",
                status=MissionStatus.draft,
            )
            session.add(mission)
            session.flush()
            for line in lines:
                session.add(
                    MissionLine(
                        **line.model_dump(exclude={"id", "mission_id"}),
                        id=new_id("ln"),
                        mission_id=mission.id,
                    )
                )
            ids.append(mission.id)
        session.commit()
    return ids


def statements_for(mission_ids: list[str]) -> tuple[int, list[str]]:
    with session_for() as session:
        missions = [session.get(Mission, mission_id) for mission_id in mission_ids]
        with counting_statements() as statements:
            shown = missions_out(session, [m for m in missions if m is not None])
        one_by_one = [mission_out(session, m) for m in missions if m is not None]
    assert shown == one_by_one
    return len(statements), [mission.id for mission in shown]


def test_the_missions_list_reads_each_table_once(setup: Setup) -> None:  # noqa: F811
    drafted_mission(setup, line_count=2)
    one, _ = statements_for([setup.mission_id])
    others = copies_of_the_mission(setup, 5)
    six, shown = statements_for([setup.mission_id, *others])
    assert shown == [setup.mission_id, *others]
    # Lines, firms, letters, signature requests, timelines (and no more for more missions).
    assert six == one <= 6
