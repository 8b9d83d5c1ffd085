"""The work a signed mission sets off: each line's tasks and information requests, per period."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from domain.enums import Frequency, WorkKind
from domain.models import MissionLine, ServiceWork
from domain.period import FirmClock, slices


@dataclass(frozen=True)
class PlannedWork:
    # The same mission, line, work item and period always give the same key.
    key: str
    line_id: str
    service_id: str
    kind: WorkKind
    title: str
    # The slice of the line's frequency the item belongs to.
    period_start: date
    period_end: date
    due_date: date


def work_key(mission_id: str, line_id: str, position: int, renewal: int, index: int) -> str:
    """The same mission, line, work item and slice of the same period give the same key. The
    first period keeps the keys work had before renewals existed; each renewal adds its number."""
    period = f"r{renewal}:" if renewal else ""
    return f"{mission_id}:{line_id}:{position}:{period}{index}"


def plan_work(
    mission_id: str,
    period_start: date,
    period_end: date,
    lines: Iterable[MissionLine],
    work_by_service: Mapping[str, list[ServiceWork]],
    renewal: int = 0,
) -> list[PlannedWork]:
    """Each line's work in each slice of its frequency within the period; ``renewal`` is the
    period's number (0: the period the letter was signed for)."""
    planned: list[PlannedWork] = []
    for line in lines:
        periods = slices(period_start, period_end, Frequency(line.frequency))
        for work in work_by_service.get(line.service_id, []):
            for period in periods:
                suffix = f" ({period.start.strftime('%m/%Y')})" if len(periods) > 1 else ""
                planned.append(
                    PlannedWork(
                        key=work_key(mission_id, line.id, work.position, renewal, period.index),
                        line_id=line.id,
                        service_id=line.service_id,
                        kind=WorkKind(work.kind),
                        title=f"{work.title}{suffix}",
                        period_start=period.start,
                        period_end=period.end,
                        due_date=period.end + timedelta(days=work.due or 0),
                    )
                )
    return planned


class PlanStatus(StrEnum):
    planned = "planned"
    created = "created"


@dataclass(frozen=True)
class PlanItem:
    work: PlannedWork
    status: PlanStatus


def plan_status(planned: Iterable[PlannedWork], existing_keys: Collection[str]) -> list[PlanItem]:
    """Each planned item, ``created`` when a work item with its key exists, else ``planned``;
    by due date, then in the plan's order (line, work item, period)."""
    items = [
        PlanItem(work, PlanStatus.created if work.key in existing_keys else PlanStatus.planned)
        for work in planned
    ]
    return sorted(items, key=lambda item: item.work.due_date)


@dataclass(frozen=True)
class Openings:
    """Which planned work is open at an instant, and when the next slice opens."""

    open: list[PlannedWork]
    next_opening: datetime | None


def openings(
    planned: Iterable[PlannedWork], clock: FirmClock, as_of: datetime, until: date | None = None
) -> Openings:
    """The work whose slice has opened by ``as_of`` (its start, less the firm's lead time, at
    the firm's openings time), and the next opening after it; nothing starting after ``until``
    (a termination's date) ever opens."""
    open_now: list[PlannedWork] = []
    later: list[datetime] = []
    for work in planned:
        if until is not None and work.period_start > until:
            continue
        opens = clock.opens(work.period_start)
        if opens <= as_of:
            open_now.append(work)
        else:
            later.append(opens)
    return Openings(open_now, min(later, default=None))
