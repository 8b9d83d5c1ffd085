"""Reads that several layers share."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlmodel import Session, col, select

from domain.models import Firm, Mission, MissionLine, ServiceWork
from domain.period import FirmClock
from domain.work import PlannedWork, plan_work


def mission_lines(session: Session, mission_id: str) -> list[MissionLine]:
    statement = (
        select(MissionLine)
        .where(MissionLine.mission_id == mission_id)
        .order_by(col(MissionLine.position))
    )
    return list(session.exec(statement))


def catalogue_work(session: Session, service_ids: Iterable[str]) -> dict[str, list[ServiceWork]]:
    """Each service's catalogue work, in its order; one query."""
    work_by_service: dict[str, list[ServiceWork]] = defaultdict(list)
    for work in session.exec(
        select(ServiceWork)
        .where(col(ServiceWork.service_id).in_(set(service_ids)))
        .order_by(col(ServiceWork.position))
    ):
        work_by_service[work.service_id].append(work)
    return work_by_service


def planned_work(session: Session, mission: Mission) -> list[PlannedWork]:
    """The work of the mission's current period, from its lines and each service's catalogue
    work; nothing while the mission has no period. (The lines in force are today the mission's
    lines: an amendment will choose them per period here.)"""
    if mission.period_start is None or mission.period_end is None:
        return []
    lines = mission_lines(session, mission.id)
    work_by_service = catalogue_work(session, (line.service_id for line in lines))
    return plan_work(
        mission.id,
        mission.period_start,
        mission.period_end,
        lines,
        work_by_service,
        renewal=mission.renewals,
    )


def firm_clock(firm: Firm) -> FirmClock:
    return FirmClock(firm.time_zone, firm.openings_at, firm.work_lead_days)
