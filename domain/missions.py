"""Rules for turning a firm's mission form into the workflow's draft."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, select

from contracts.messages import LineInput, MissionDraft
from domain.enums import Frequency
from domain.models import Service, new_id
from domain.period import validate_period


class MissionRuleError(ValueError):
    """A mission form that breaks a rule; ``field`` names the culprit for the API."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class LineForm:
    service_id: str
    price: Decimal | None
    frequency: Frequency | None


def build_draft(
    session: Session,
    firm_id: str,
    *,
    name: str,
    period_start: date,
    period_end: date,
    frequency: Frequency,
    lines: list[LineForm],
    by: str,
) -> MissionDraft:
    """Check the period and the services, and fill each line from the catalogue."""
    try:
        validate_period(period_start, period_end)
    except ValueError as error:
        raise MissionRuleError("period_end", str(error)) from None
    return MissionDraft(
        name=name,
        period_start=period_start.isoformat(),
        period_end=period_end.isoformat(),
        frequency=frequency.value,
        lines=catalogue_lines(session, firm_id, lines, frequency),
        by=by,
    )


def catalogue_lines(
    session: Session, firm_id: str, lines: list[LineForm], frequency: Frequency
) -> list[LineInput]:
    """Each line filled from the firm's catalogue, with a new id; MissionRuleError when a
    service is not the firm's."""
    wanted = {line.service_id for line in lines}
    services = {
        service.id: service
        for service in session.exec(
            select(Service).where(Service.firm_id == firm_id, col(Service.id).in_(wanted))
        )
    }
    unknown = sorted(wanted - services.keys())
    if unknown:
        raise MissionRuleError("lines", f"unknown services: {', '.join(unknown)}")

    def line_input(line: LineForm) -> LineInput:
        service = services[line.service_id]
        return LineInput(
            line_id=new_id("line"),
            service_id=service.id,
            code=service.code,
            name=service.name,
            description=service.description,
            price=str(line.price if line.price is not None else service.price),
            # The line's own frequency, else its service's, else the mission's.
            frequency=(line.frequency or service.frequency or frequency).value,
        )

    return [line_input(line) for line in lines]
