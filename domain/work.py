"""The work a signed mission sets off: each line's tasks and information requests, per period."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

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
                        due_date=period.end + timedelta(days=work.due or 0),
                    )
                )
    return planned
