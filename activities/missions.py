"""Activities that write a mission's own records: its status, its timeline and its lines."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_
from sqlmodel import Session, col, select
from temporalio import activity

from contracts.errors import not_found
from contracts.messages import (
    Activities,
    ChangeLineInput,
    RenewedPeriod,
    RenewInput,
    SaveMissionInput,
    TerminationInput,
    TerminationRecorded,
    TransitionInput,
)
from domain.db import session_scope
from domain.enums import Frequency, MissionStatus, ServiceRequestStatus, WorkKind, WorkStatus
from domain.models import (
    AuditEntry,
    Firm,
    Mission,
    MissionEvent,
    MissionLine,
    ServiceRequest,
    WorkItem,
    utcnow,
)
from domain.period import next_period, termination_effective_on
from domain.queries import firm_clock

REQUEST_REVIEW_DAYS = 7


@activity.defn(name=Activities.record_transition)
def record_transition(transition: TransitionInput) -> None:
    """Write the status and its timeline entry; the (mission, seq) key makes a retry a no-op."""
    at = datetime.fromisoformat(transition.at)
    with session_scope() as session:
        mission = session.get(Mission, transition.mission_id)
        if mission is None:
            mission = Mission(
                id=transition.mission_id,
                firm_id=transition.firm_id,
                client_id=transition.client_id,
                service_request_id=transition.service_request_id,
                status=MissionStatus(transition.status),
                created_at=at,
            )
            session.add(mission)
            session.flush()
            if transition.service_request_id:
                session.add(request_task(mission, transition.service_request_id, at.date()))
        if _event_recorded(session, mission.id, transition.seq):
            return
        mission.status = MissionStatus(transition.status)
        mission.updated_at = at
        session.add(
            MissionEvent(
                mission_id=mission.id,
                seq=transition.seq,
                status=MissionStatus(transition.status),
                at=at,
                by=transition.by,
                reason=transition.reason,
            )
        )
        # In the same transaction as the event, so a retry logs it once too. The workflow
        # knows who acted, not with which token: the API's own entry for the request has it.
        session.add(
            AuditEntry(
                firm_id=mission.firm_id,
                client_id=mission.client_id,
                mission_id=mission.id,
                at=at,
                actor=transition.by[:80] or "sceau",
                action="mission.status",
                target=mission.id,
                details={"status": transition.status, "reason": transition.reason[:300]},
            )
        )
    # Temporal's activity logger tags the line with the workflow (and so the mission) id.
    activity.logger.info(
        "mission %s is now %s",
        transition.mission_id,
        transition.status,
        extra={"status": transition.status, "by": transition.by, "seq": transition.seq},
    )


def request_task(mission: Mission, service_request_id: str, today: date) -> WorkItem:
    """The firm's task to review a client's service request, as the seed's task list shows it."""
    return WorkItem(
        key=f"request:{service_request_id}",
        firm_id=mission.firm_id,
        client_id=mission.client_id,
        mission_id=mission.id,
        kind=WorkKind.task,
        title="Demande de prestation du client à étudier",
        due_date=today + timedelta(days=REQUEST_REVIEW_DAYS),
    )


@activity.defn(name=Activities.save_mission)
def save_mission(request: SaveMissionInput) -> None:
    """Write the mission's name, period and lines; the ids come from the caller, so it repeats."""
    draft = request.draft
    with session_scope() as session:
        mission = session.get(Mission, request.mission_id)
        if mission is None:
            # A mission created from scratch has no row yet; the workflow records its
            # draft transition right after this activity.
            mission = Mission(
                id=request.mission_id,
                firm_id=request.firm_id,
                client_id=request.client_id,
                status=MissionStatus.draft,
            )
            session.add(mission)
        mission.name = draft.name
        mission.period_start = date.fromisoformat(draft.period_start)
        mission.period_end = date.fromisoformat(draft.period_end)
        mission.frequency = Frequency(draft.frequency)
        mission.renewal = draft.renewal
        mission.notice_months = draft.notice_months
        mission.updated_at = utcnow()
        existing = {
            line.id
            for line in session.exec(
                select(MissionLine).where(MissionLine.mission_id == mission.id)
            )
        }
        for position, line in enumerate(draft.lines):
            if line.line_id in existing:
                continue
            session.add(
                MissionLine(
                    id=line.line_id,
                    mission_id=mission.id,
                    position=position,
                    service_id=line.service_id,
                    code=line.code,
                    name=line.name,
                    description=line.description,
                    price=Decimal(line.price),
                    frequency=Frequency(line.frequency),
                )
            )
        if request.service_request_id:
            service_request = session.get(ServiceRequest, request.service_request_id)
            if service_request is not None:
                service_request.status = ServiceRequestStatus.converted
            # The firm has acted on the request: its follow-up task is done.
            for item in session.exec(
                select(WorkItem).where(WorkItem.key == f"request:{request.service_request_id}")
            ):
                item.status = WorkStatus.done


@activity.defn(name=Activities.change_line)
def change_line(request: ChangeLineInput) -> None:
    change = request.change
    with session_scope() as session:
        line = session.get(MissionLine, change.line_id)
        if line is None or line.mission_id != request.mission_id:
            raise not_found(f"line {change.line_id}")
        if change.price is not None:
            line.price = Decimal(change.price)
        if change.frequency is not None:
            line.frequency = Frequency(change.frequency)


def _event_recorded(session: Session, mission_id: str, seq: int) -> bool:
    statement = select(MissionEvent).where(
        MissionEvent.mission_id == mission_id, MissionEvent.seq == seq
    )
    return session.exec(statement).first() is not None


def _mission_and_event(session: Session, mission_id: str, seq: int) -> tuple[Mission, bool]:
    """The mission, and whether its event ``seq`` is recorded, in one round trip: at the 1st of
    January thousands of missions renew in the same minute."""
    row = session.exec(
        select(Mission, MissionEvent.id)
        .outerjoin(
            MissionEvent,
            and_(col(MissionEvent.mission_id) == col(Mission.id), col(MissionEvent.seq) == seq),
        )
        .where(Mission.id == mission_id)
    ).first()
    if row is None:
        raise not_found(f"mission {mission_id}")
    mission, event_id = row
    return mission, event_id is not None


def _timeline_entry(
    session: Session,
    mission: Mission,
    seq: int,
    kind: str,
    at: datetime,
    reason: str,
    by: str = "sceau",
) -> None:
    """An entry that keeps the mission's status, with its audit line, in one transaction."""
    session.add(
        MissionEvent(
            mission_id=mission.id,
            seq=seq,
            status=mission.status,
            kind=kind,
            at=at,
            by=by[:80],
            reason=reason,
        )
    )
    session.add(
        AuditEntry(
            firm_id=mission.firm_id,
            client_id=mission.client_id,
            mission_id=mission.id,
            at=at,
            actor=by[:80],
            action=f"mission.{kind}",
            target=mission.id,
            details={"reason": reason[:300]},
        )
    )


@activity.defn(name=Activities.renew_mission)
def renew_mission(request: RenewInput) -> RenewedPeriod:
    """The mission's next period, of the same length, and its `renewed` entry; the
    (mission, seq) key makes a retry a no-op that answers the same period."""
    at = datetime.fromisoformat(request.at)
    start, end = next_period(
        date.fromisoformat(request.period_start), date.fromisoformat(request.period_end)
    )
    with session_scope() as session:
        mission, recorded = _mission_and_event(session, request.mission_id, request.seq)
        if not recorded:
            mission.period_start, mission.period_end = start, end
            mission.renewals = request.renewal_number
            mission.updated_at = at
            reason = f"reconduction tacite du {start.isoformat()} au {end.isoformat()}"
            _timeline_entry(session, mission, request.seq, "renewed", at, reason)
    return RenewedPeriod(period_start=start.isoformat(), period_end=end.isoformat())


@activity.defn(name=Activities.record_termination)
def record_termination(request: TerminationInput) -> TerminationRecorded:
    """Work out when the termination takes effect (in the firm's time) and record it on the
    mission with a `termination` entry; a retry records nothing more and answers the same."""
    terms = request.request
    at = datetime.fromisoformat(request.at)
    with session_scope() as session:
        mission = session.get(Mission, request.mission_id)
        firm = session.get(Firm, mission.firm_id) if mission is not None else None
        if mission is None or firm is None:
            raise not_found(f"mission {request.mission_id}")
        # A mission activated before periods existed knows its period from its row only.
        period_start = (
            date.fromisoformat(request.period_start)
            if request.period_start
            else mission.period_start
        )
        period_end = (
            date.fromisoformat(request.period_end) if request.period_end else mission.period_end
        )
        if period_start is None or period_end is None:
            raise not_found(f"the period of mission {request.mission_id}")
        effective_on = termination_effective_on(
            period_start,
            period_end,
            request.notice_months,
            date.fromisoformat(terms.notice_given_on),
            date.fromisoformat(terms.agreed_end) if terms.agreed_end else None,
            renews=request.renews,
        )
        ends_at = firm_clock(firm).day_starts(effective_on + timedelta(days=1))
        if not _event_recorded(session, mission.id, request.seq):
            mission.termination = {
                "by": terms.party,
                "reason": terms.reason,
                "notice_given_on": terms.notice_given_on,
                "agreed_end": terms.agreed_end,
                "effective_on": effective_on.isoformat(),
            }
            mission.termination_effective_on = effective_on
            mission.updated_at = at
            party = "le cabinet" if terms.party == "firm" else "le client"
            reason = f"résiliation par {party}, effective le {effective_on.isoformat()}"
            if terms.reason:
                reason += f" ({terms.reason})"
            _timeline_entry(
                session, mission, request.seq, "termination", at, reason[:500], terms.by
            )
    return TerminationRecorded(effective_on=effective_on.isoformat(), ends_at=ends_at)
