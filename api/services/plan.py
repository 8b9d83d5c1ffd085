"""A mission's plan: the work of its current period, each item already created or still planned."""

from __future__ import annotations

from sqlmodel import Session, select

from domain.models import Mission, WorkItem
from domain.queries import planned_work
from domain.work import PlanItem, plan_status


def mission_plan(session: Session, mission: Mission) -> list[PlanItem]:
    """Synchronous (a thread-pool endpoint's session); the existing keys in one query."""
    planned = planned_work(session, mission)
    if mission.termination_effective_on is not None:
        # Nothing opens after a termination's last day.
        last_day = mission.termination_effective_on
        planned = [work for work in planned if work.period_start <= last_day]
    existing = set(session.exec(select(WorkItem.key).where(WorkItem.mission_id == mission.id)))
    return plan_status(planned, existing)
