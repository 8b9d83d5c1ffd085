"""The activities that create a mission's work: its tasks and information requests, once each."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, col, select
from temporalio import activity

from contracts.errors import not_found
from contracts.messages import (
    Activities,
    EndWorkInput,
    FollowUpInput,
    OpenWorkInput,
    WorkCreated,
    WorkOpened,
)
from contracts.statuses import Renewal
from domain.db import session_scope
from domain.enums import WorkKind, WorkStatus
from domain.models import Client, Firm, Mission, WorkItem
from domain.period import consumer_notice_window
from domain.queries import firm_clock, plan_period, planned_work
from domain.work import PlannedWork, openings

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
        _insert_missing(session, mission, planned)
    tasks = sum(1 for item in planned if item.kind is WorkKind.task)
    return WorkCreated(tasks=tasks, information_requests=len(planned) - tasks)


def _insert_missing(session: Session, mission: Mission, planned: Iterable[PlannedWork]) -> None:
    """Each item whose key is not there yet; a retry inserts nothing more."""
    planned = list(planned)
    # Only the keys asked about: a mission renewed for years holds every year's work.
    keys = [item.key for item in planned]
    existing = set(session.exec(select(WorkItem.key).where(col(WorkItem.key).in_(keys))))
    for item in planned:
        if item.key in existing:
            continue
        session.add(
            WorkItem(
                key=item.key,
                firm_id=mission.firm_id,
                client_id=mission.client_id,
                mission_id=mission.id,
                line_id=item.line_id,
                service_id=item.service_id,
                kind=item.kind,
                title=item.title,
                due_date=item.due_date,
            )
        )


@activity.defn(name=Activities.open_work)
def open_work(request: OpenWorkInput) -> WorkOpened:
    """Create the work of the period's slices open at ``as_of``, in the firm's time, and say
    when the next one opens and when the period ends. ``as_of`` comes from the workflow, so
    a retry opens exactly the same slices, and the keys make it insert nothing twice."""
    with session_scope() as session:
        mission, firm, client = _mission_firm_client(session, request.mission_id)
        renewal, notice_months = request.renewal, request.notice_months
        if request.period_start and request.period_end:
            start = date.fromisoformat(request.period_start)
            end = date.fromisoformat(request.period_end)
        elif mission.period_start is not None and mission.period_end is not None:
            # Drafted before the workflow kept the period's start and the renewal terms.
            start, end = mission.period_start, mission.period_end
            renewal, notice_months = mission.renewal, mission.notice_months
        else:
            raise not_found(f"the period of mission {request.mission_id}")
        clock = firm_clock(firm)
        # Each slice from the lines in force on its first day: a signed amendment's from its
        # effective date, the work already created staying as it is.
        planned = plan_period(session, mission.id, start, end, request.renewal_number)
        until = date.fromisoformat(request.until) if request.until else None
        opened = openings(planned, clock, request.as_of, until)
        _insert_missing(session, mission, opened.open)
        notice_from = notice_until = None
        if client.consumer and renewal == Renewal.tacit:
            first, last = consumer_notice_window(end, notice_months)
            notice_from = clock.day_starts(first)
            notice_until = clock.day_starts(last + timedelta(days=1))
    tasks = sum(1 for item in opened.open if item.kind is WorkKind.task)
    return WorkOpened(
        tasks=tasks,
        information_requests=len(opened.open) - tasks,
        next_opening=opened.next_opening,
        period_ends_at=clock.day_starts(end + timedelta(days=1)),
        notice_from=notice_from,
        notice_until=notice_until,
        period_start=start.isoformat(),
        period_end=end.isoformat(),
        renewal=renewal,
        notice_months=notice_months,
    )


def _mission_firm_client(session: Session, mission_id: str) -> tuple[Mission, Firm, Client]:
    """The mission with its firm and client, in one round trip: at the 1st of January
    thousands of missions open their work in the same minute."""
    row = session.exec(
        select(Mission, Firm, Client)
        .join(Firm, col(Firm.id) == col(Mission.firm_id))
        .join(Client, col(Client.id) == col(Mission.client_id))
        .where(Mission.id == mission_id)
    ).first()
    if row is None:
        raise not_found(f"mission {mission_id}")
    return row


@activity.defn(name=Activities.end_work)
def end_work(request: EndWorkInput) -> int:
    """Cancel the mission's open items due after its last day; how many were cancelled."""
    last_day = date.fromisoformat(request.effective_on)
    with session_scope() as session:
        items = list(
            session.exec(
                select(WorkItem).where(
                    WorkItem.mission_id == request.mission_id,
                    WorkItem.status == WorkStatus.open,
                    col(WorkItem.due_date) > last_day,
                )
            )
        )
        for item in items:
            item.status = WorkStatus.cancelled
    return len(items)


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
