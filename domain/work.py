"""The work a signed mission sets off: each line's tasks and information requests, per period."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from domain.enums import Frequency, WorkKind
from domain.models import MissionLine, ServiceWork
from domain.period import slices


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


def plan_work(
    mission_id: str,
    period_start: date,
    period_end: date,
    lines: Iterable[MissionLine],
    work_by_service: Mapping[str, list[ServiceWork]],
) -> list[PlannedWork]:
    planned: list[PlannedWork] = []
    for line in lines:
        periods = slices(period_start, period_end, Frequency(line.frequency))
        for work in work_by_service.get(line.service_id, []):
            for period in periods:
                suffix = f" ({period.start.strftime('%m/%Y')})" if len(periods) > 1 else ""
                planned.append(
                    PlannedWork(
                        key=f"{mission_id}:{line.id}:{work.position}:{period.index}",
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
