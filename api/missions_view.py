"""The mission as the API shows it, read from the database the workflow keeps up to date."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from sqlmodel import Session, col, select

from api.schemas import (
    AmendmentSummary,
    LetterOut,
    LineOut,
    MissionOut,
    PeriodOut,
    SignatureOut,
    TerminationOut,
    TimelineEntry,
    TotalsOut,
)
from contracts.statuses import Renewal
from domain.amendments import AMENDED_LINE_POSITION, amendment_of_key, line_rows
from domain.enums import DocumentKind, Frequency, MissionStatus
from domain.models import (
    Amendment,
    Document,
    Firm,
    Mission,
    MissionEvent,
    MissionLine,
    SignatureRequest,
)
from domain.money import yearly_amount
from domain.queries import firm_clock
from domain.totals import PricedLine, totals_of


def mission_out(session: Session, mission: Mission) -> MissionOut:
    return missions_out(session, [mission])[0]


def missions_out(session: Session, missions: list[Mission]) -> list[MissionOut]:
    """The missions as the API shows them, in seven queries however many there are."""
    ids = [mission.id for mission in missions]
    lines = _by_mission(
        session.exec(
            select(MissionLine)
            .where(
                col(MissionLine.mission_id).in_(ids),
                col(MissionLine.position) < AMENDED_LINE_POSITION,
            )
            .order_by(col(MissionLine.position))
        )
    )
    firm_ids = {mission.firm_id for mission in missions}
    firms = {firm.id: firm for firm in session.exec(select(Firm).where(col(Firm.id).in_(firm_ids)))}
    vat_rates = {firm.id: firm.vat_rate for firm in firms.values()}
    amendments = _by_mission(
        session.exec(
            select(Amendment)
            .where(col(Amendment.mission_id).in_(ids))
            .order_by(col(Amendment.number))
        )
    )
    now = datetime.now(UTC)
    today = {firm.id: firm_clock(firm).today(now) for firm in firms.values()}
    letters = _by_mission(
        session.exec(
            select(Document)
            .where(col(Document.mission_id).in_(ids), Document.kind == DocumentKind.letter)
            .order_by(col(Document.version))
        )
    )
    signatures = _by_mission(
        session.exec(
            select(SignatureRequest)
            .where(col(SignatureRequest.mission_id).in_(ids))
            .order_by(col(SignatureRequest.letter_version).desc())
        )
    )
    timelines = _by_mission(
        session.exec(
            select(MissionEvent)
            .where(col(MissionEvent.mission_id).in_(ids))
            .order_by(col(MissionEvent.seq))
        )
    )
    return [
        _out(
            mission,
            _in_force(
                mission,
                lines.get(mission.id, []),
                amendments.get(mission.id, []),
                today.get(mission.firm_id, now.date()),
            ),
            vat_rates.get(mission.firm_id, Decimal("20")),
            letters.get(mission.id, []),
            # The latest letter's request: they come newest first.
            next(iter(signatures.get(mission.id, [])), None),
            timelines.get(mission.id, []),
            amendments.get(mission.id, []),
        )
        for mission in missions
    ]


def _in_force(
    mission: Mission, letter_lines: list[MissionLine], amendments: list[Amendment], today: date
) -> list[MissionLine]:
    """The lines in force today: the letter's, or the last signed amendment's by today."""
    signed = [
        amendment
        for amendment in amendments
        if amendment.status == "signed" and amendment.effective_date <= today
    ]
    if not signed:
        return letter_lines
    latest = max(signed, key=lambda amendment: (amendment.effective_date, amendment.number))
    return line_rows(mission.id, latest.lines)


Row = TypeVar("Row", MissionLine, Document, SignatureRequest, MissionEvent, Amendment)


def _by_mission(rows: Iterable[Row]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        assert row.mission_id is not None
        grouped[row.mission_id].append(row)
    return grouped


def _out(
    mission: Mission,
    lines: list[MissionLine],
    vat_rate: Decimal,
    letters: list[Document],
    signature: SignatureRequest | None,
    timeline: list[MissionEvent],
    amendments: list[Amendment],
) -> MissionOut:
    totals = totals_of((PricedLine(line.price, line.frequency) for line in lines), vat_rate)
    return MissionOut(
        id=mission.id,
        client_id=mission.client_id,
        service_request_id=mission.service_request_id,
        name=mission.name,
        status=mission.status,
        period_start=mission.period_start,
        period_end=mission.period_end,
        frequency=mission.frequency,
        lines=[line_out(line) for line in lines],
        totals=TotalsOut(**totals.__dict__),
        letters=[
            LetterOut(
                version=doc.version, document_id=doc.id, amendment_id=amendment_of_key(doc.key)
            )
            for doc in letters
        ],
        signature=SignatureOut(**signature.model_dump()) if signature else None,
        timeline=[TimelineEntry(**event.model_dump()) for event in timeline],
        renewal=Renewal(mission.renewal),
        notice_months=mission.notice_months,
        current_period=(
            PeriodOut(start=mission.period_start, end=mission.period_end)
            if mission.period_start is not None and mission.period_end is not None
            else None
        ),
        next_renewal_on=next_renewal_on(mission),
        termination=TerminationOut(**mission.termination) if mission.termination else None,
        amendments=[
            AmendmentSummary(
                id=amendment.id,
                number=amendment.number,
                status=amendment.status,
                effective_date=amendment.effective_date,
            )
            for amendment in amendments
        ],
    )


def line_out(line: MissionLine) -> LineOut:
    return LineOut(
        id=line.id,
        service_id=line.service_id,
        code=line.code,
        name=line.name,
        price=line.price,
        frequency=line.frequency,
        yearly_amount=yearly_amount(line.price, Frequency(line.frequency)),
    )


def next_renewal_on(mission: Mission) -> date | None:
    """The first day of the next period, for an active mission that will renew tacitly."""
    if (
        mission.status != MissionStatus.active
        or mission.renewal != Renewal.tacit
        or mission.termination is not None
        or mission.period_end is None
    ):
        return None
    return mission.period_end + timedelta(days=1)
