"""The mission as the API shows it, read from the database the workflow keeps up to date."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session, col, select

from api.schemas import (
    LetterOut,
    LineOut,
    MissionOut,
    SignatureOut,
    TimelineEntry,
    TotalsOut,
)
from domain.enums import DocumentKind, Frequency
from domain.models import Document, Firm, Mission, MissionEvent, SignatureRequest
from domain.money import yearly_amount
from domain.queries import mission_lines
from domain.totals import PricedLine, totals_of


def mission_out(session: Session, mission: Mission) -> MissionOut:
    lines = mission_lines(session, mission.id)
    firm = session.get(Firm, mission.firm_id)
    vat_rate = firm.vat_rate if firm else Decimal("20")
    totals = totals_of((PricedLine(line.price, line.frequency) for line in lines), vat_rate)
    letters = session.exec(
        select(Document)
        .where(Document.mission_id == mission.id, Document.kind == DocumentKind.letter)
        .order_by(col(Document.version))
    )
    signature = session.exec(
        select(SignatureRequest)
        .where(SignatureRequest.mission_id == mission.id)
        .order_by(col(SignatureRequest.letter_version).desc())
    ).first()
    timeline = session.exec(
        select(MissionEvent)
        .where(MissionEvent.mission_id == mission.id)
        .order_by(col(MissionEvent.seq))
    )
    return MissionOut(
        id=mission.id,
        client_id=mission.client_id,
        service_request_id=mission.service_request_id,
        name=mission.name,
        status=mission.status,
        period_start=mission.period_start,
        period_end=mission.period_end,
        frequency=mission.frequency,
        lines=[
            LineOut(
                id=line.id,
                service_id=line.service_id,
                code=line.code,
                name=line.name,
                price=line.price,
                frequency=line.frequency,
                yearly_amount=yearly_amount(line.price, Frequency(line.frequency)),
            )
            for line in lines
        ],
        totals=TotalsOut(**totals.__dict__),
        letters=[LetterOut(version=doc.version, document_id=doc.id) for doc in letters],
        signature=SignatureOut(**signature.model_dump()) if signature else None,
        timeline=[TimelineEntry(**event.model_dump()) for event in timeline],
    )
