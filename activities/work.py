"""The activities that create a mission's work: its tasks and information requests, once each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select
from temporalio import activity

from contracts.errors import not_found
from contracts.messages import Activities, FollowUpInput, WorkCreated
from domain.db import session_scope
from domain.enums import WorkKind
from domain.models import Mission, WorkItem
from domain.queries import planned_work

# Days the firm has to follow up a declined letter with the client.
FOLLOW_UP_DAYS = 7


@activity.defn(name=Activities.create_work)
def create_work(mission_id: str) -> WorkCreated:
    """Insert each planned item whose key is not there yet; a retry inserts nothing more."""
    with session_scope() as session:
        mission = session.get(Mission, mission_id)
        if mission is None or mission.period_start is None or mission.period_end is None:
            raise not_found(f"mission {mission_id}")
        planned = planned_work(session, mission)
        existing = set(session.exec(select(WorkItem.key).where(WorkItem.mission_id == mission_id)))
        for item in planned:
            if item.key in existing:
                continue
            session.add(
                WorkItem(
                    key=item.key,
                    firm_id=mission.firm_id,
                    client_id=mission.client_id,
                    mission_id=mission_id,
                    line_id=item.line_id,
                    service_id=item.service_id,
                    kind=item.kind,
                    title=item.title,
                    due_date=item.due_date,
                )
            )
    tasks = sum(1 for item in planned if item.kind is WorkKind.task)
    return WorkCreated(tasks=tasks, information_requests=len(planned) - tasks)


@activity.defn(name=Activities.create_follow_up_task)
def create_follow_up_task(request: FollowUpInput) -> None:
    """A firm task to follow up a declined letter with the client; once per mission."""
    key = f"declined:{request.mission_id}"
    with session_scope() as session:
        mission = session.get(Mission, request.mission_id)
        if mission is None:
            raise not_found(f"mission {request.mission_id}")
        if session.exec(select(WorkItem).where(WorkItem.key == key)).first() is not None:
            return
        reason = request.reason.strip() or "sans motif"
        session.add(
            WorkItem(
                key=key,
                firm_id=mission.firm_id,
                client_id=mission.client_id,
                mission_id=mission.id,
                kind=WorkKind.task,
                title=f"Relancer le client : lettre de mission refusée ({reason})"[:500],
                due_date=datetime.now(UTC).date() + timedelta(days=FOLLOW_UP_DAYS),
            )
        )
