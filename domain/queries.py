"""Reads that several layers share."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlmodel import Session, col, select

from domain.amendments import (
    AMENDED_LINE_POSITION,
    Terms,
    line_rows,
    plan_in_force,
    terms_in_period,
)
from domain.models import Amendment, Firm, Mission, MissionLine, ServiceWork
from domain.period import FirmClock
from domain.work import PlannedWork


def mission_lines(session: Session, mission_id: str) -> list[MissionLine]:
    """The lines of the mission's letter (not those its amendments brought in)."""
    statement = (
        select(MissionLine)
        .where(
            MissionLine.mission_id == mission_id,
            col(MissionLine.position) < AMENDED_LINE_POSITION,
        )
        .order_by(col(MissionLine.position))
    )
    return list(session.exec(statement))


def signed_amendments(session: Session, mission_id: str) -> list[tuple[date, list[MissionLine]]]:
    """Each signed amendment's effective date and lines, in the order they take effect."""
    statement = (
        select(Amendment)
        .where(Amendment.mission_id == mission_id, Amendment.status == "signed")
        .order_by(col(Amendment.effective_date), col(Amendment.number))
    )
    return [
        (amendment.effective_date, line_rows(mission_id, amendment.lines))
        for amendment in session.exec(statement)
    ]


def lines_in_force(session: Session, mission_id: str, on: date) -> list[MissionLine]:
    """The mission's lines on ``on``: its letter's, or the last signed amendment's by then."""
    lines = mission_lines(session, mission_id)
    for effective, amended in signed_amendments(session, mission_id):
        if effective <= on:
            lines = amended
    return lines


def period_terms(session: Session, mission_id: str, start: date, end: date) -> list[Terms]:
    """The lines in force through the period [start, end], from each one's date."""
    return terms_in_period(
        start, end, mission_lines(session, mission_id), signed_amendments(session, mission_id)
    )


def plan_period(
    session: Session, mission_id: str, start: date, end: date, renewal: int
) -> list[PlannedWork]:
    """The period's work, each slice from the lines in force on its first day."""
    terms = period_terms(session, mission_id, start, end)
    services = {line.service_id for current in terms for line in current.lines}
    return plan_in_force(
        mission_id, start, end, terms, catalogue_work(session, services), renewal=renewal
    )


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
    """The work of the mission's current period, from the lines in force on each slice's
    first day (amendments) and each service's catalogue work; nothing while the mission has no
    period."""
    if mission.period_start is None or mission.period_end is None:
        return []
    return plan_period(
        session, mission.id, mission.period_start, mission.period_end, mission.renewals
    )


def firm_clock(firm: Firm) -> FirmClock:
    return FirmClock(firm.time_zone, firm.openings_at, firm.work_lead_days)
