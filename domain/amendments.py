"""Amendments (*avenants*): what a new set of lines changes, and what its letter prints.

An amendment replaces the mission's whole set of lines from an effective date. The letter shows
the client what changes (services added, removed, repriced or billed at another frequency) and
the new fees table, so the changes are worked out here once, from plain values, for both the
API's answer and the template.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlmodel import Session

from domain.enums import Frequency
from domain.ged import BlobStore
from domain.letter_templates import DEFAULT_TEMPLATE_ID, TEMPLATES_DIR, template_bytes
from domain.models import MissionLine, ServiceWork
from domain.money import FREQUENCY_LABELS, format_eur
from domain.period import format_date_fr
from domain.work import PlannedWork, plan_work

# The names the default amendment template uses beyond a letter's: an uploaded amendment
# template using any other name is refused, as for letters.
AMENDMENT_CONTEXT_VARIABLES = frozenset({"amendment", "changes", "previous_totals"})
DEFAULT_AMENDMENT_TEMPLATE = TEMPLATES_DIR / "avenant.docx"


class ChangeKind(StrEnum):
    added = "added"
    removed = "removed"
    changed = "changed"


CHANGE_LABELS: dict[ChangeKind, str] = {
    ChangeKind.added: "Prestation ajoutée",
    ChangeKind.removed: "Prestation retirée",
    ChangeKind.changed: "Prestation modifiée",
}


@dataclass(frozen=True)
class TermsLine:
    """One line of a mission's terms, as an amendment compares them."""

    service_id: str
    name: str
    price: Decimal
    frequency: Frequency


@dataclass(frozen=True)
class LineChangeSummary:
    kind: ChangeKind
    service_id: str
    name: str
    before: TermsLine | None
    after: TermsLine | None

    @property
    def price_changed(self) -> bool:
        return self._differs(lambda line: line.price)

    @property
    def frequency_changed(self) -> bool:
        return self._differs(lambda line: line.frequency)

    def _differs(self, field: Any) -> bool:
        return (
            self.before is not None
            and self.after is not None
            and (field(self.before) != field(self.after))
        )

    def as_dict(self) -> dict[str, Any]:
        """The API's view: the line before and after, in the API's units."""

        def terms(line: TermsLine | None) -> dict[str, str] | None:
            if line is None:
                return None
            return {"price": str(line.price), "frequency": line.frequency.value}

        return {
            "kind": self.kind.value,
            "service_id": self.service_id,
            "name": self.name,
            "before": terms(self.before),
            "after": terms(self.after),
        }


class NothingChanges(ValueError):
    """An amendment whose lines are the mission's current lines."""


def changes_between(
    current: Sequence[TermsLine], proposed: Sequence[TermsLine]
) -> list[LineChangeSummary]:
    """What ``proposed`` changes in ``current``: lines of the same service are paired in order
    (a mission may hold one service twice), the rest are added or removed. Raises
    ``NothingChanges`` when every pair is identical and nothing is added or removed."""
    before_by_service: dict[str, list[TermsLine]] = defaultdict(list)
    for line in current:
        before_by_service[line.service_id].append(line)
    after_by_service: dict[str, list[TermsLine]] = defaultdict(list)
    for line in proposed:
        after_by_service[line.service_id].append(line)

    changes: list[LineChangeSummary] = []
    # Current lines first, in their order, then the services the amendment brings in.
    services = list(dict.fromkeys([*before_by_service, *after_by_service]))
    for service_id in services:
        befores, afters = before_by_service[service_id], after_by_service[service_id]
        for index in range(max(len(befores), len(afters))):
            before = befores[index] if index < len(befores) else None
            after = afters[index] if index < len(afters) else None
            if before is None:
                assert after is not None
                changes.append(
                    LineChangeSummary(ChangeKind.added, service_id, after.name, None, after)
                )
            elif after is None:
                changes.append(
                    LineChangeSummary(ChangeKind.removed, service_id, before.name, before, None)
                )
            elif (before.price, before.frequency) != (after.price, after.frequency):
                changes.append(
                    LineChangeSummary(ChangeKind.changed, service_id, after.name, before, after)
                )
    if not changes:
        raise NothingChanges("the amendment's lines are the mission's current lines")
    return changes


def validate_effective_date(effective: date, *, period_start: date, period_end: date) -> None:
    """An amendment takes effect inside the mission's current period."""
    if not period_start <= effective <= period_end:
        raise ValueError(
            "the effective date lies in the current period, "
            f"{period_start.isoformat()} to {period_end.isoformat()}"
        )


def _describe(change: LineChangeSummary) -> str:
    """One sentence of the amendment letter, in French."""
    if change.kind is ChangeKind.added:
        assert change.after is not None
        return (
            f"ajout de la prestation, {FREQUENCY_LABELS[change.after.frequency].lower()}, "
            f"au prix unitaire de {format_eur(change.after.price)} HT"
        )
    if change.kind is ChangeKind.removed:
        return "retrait de la prestation"
    assert change.before is not None and change.after is not None
    parts: list[str] = []
    if change.price_changed:
        parts.append(
            f"prix unitaire porté de {format_eur(change.before.price)} "
            f"à {format_eur(change.after.price)} HT"
        )
    if change.frequency_changed:
        parts.append(
            f"fréquence {FREQUENCY_LABELS[change.before.frequency].lower()} remplacée par "
            f"{FREQUENCY_LABELS[change.after.frequency].lower()}"
        )
    return " ; ".join(parts)


def changes_context(changes: Sequence[LineChangeSummary]) -> list[dict[str, str]]:
    """The ``changes`` a template prints: each with its label, the service and the change."""
    return [
        {"label": CHANGE_LABELS[change.kind], "name": change.name, "text": _describe(change)}
        for change in changes
    ]


def amendment_context(
    letter: dict[str, Any],
    *,
    number: int,
    effective_date: date,
    reason: str,
    original_letter_date: date | None,
    changes: Sequence[LineChangeSummary],
    previous_totals: dict[str, str],
) -> dict[str, Any]:
    """A letter's context (``domain.letter.letter_context`` with the new lines) and what an
    amendment adds: its number and dates, the changes, the fees before."""
    return {
        **letter,
        "amendment": {
            "number": number,
            "effective_date": format_date_fr(effective_date),
            "reason": reason,
            "original_letter_date": (
                format_date_fr(original_letter_date) if original_letter_date else ""
            ),
        },
        "changes": changes_context(changes),
        "previous_totals": previous_totals,
    }


# --- the terms in force by date -------------------------------------------------------------

# The lines an amendment brings in are the mission's lines from their effective date on (work
# items point at them), numbered from this position times the amendment's number: after any
# mission's own lines (at most 500), so that ``mission_lines`` still reads the signed letter's.
AMENDED_LINE_POSITION = 1000


def line_rows(mission_id: str, lines: Sequence[dict[str, Any]]) -> list[MissionLine]:
    """An amendment's stored lines as (unsaved) line rows, in its order."""
    return [
        MissionLine(
            id=line["line_id"],
            mission_id=mission_id,
            position=position,
            service_id=line["service_id"],
            code=line["code"],
            name=line["name"],
            description=line.get("description", ""),
            price=Decimal(line["price"]),
            frequency=Frequency(line["frequency"]),
        )
        for position, line in enumerate(lines)
    ]


def paired_line_ids(
    current: Sequence[MissionLine], proposed_services: Sequence[str], new_id: Callable[[], str]
) -> list[str]:
    """Each proposed line's id: a current line's of the same service, paired in order as
    ``changes_between`` pairs them (its work keeps its keys), else a new one."""
    free: dict[str, list[str]] = defaultdict(list)
    for line in current:
        free[line.service_id].append(line.id)
    return [
        free[service_id].pop(0) if free[service_id] else new_id()
        for service_id in proposed_services
    ]


@dataclass(frozen=True)
class Terms:
    """The lines in force from ``since`` until the next terms."""

    since: date
    lines: list[MissionLine]


def terms_in_period(
    period_start: date,
    period_end: date,
    original: list[MissionLine],
    signed: Sequence[tuple[date, list[MissionLine]]],
) -> list[Terms]:
    """The successive terms of a period: the letter's lines, then each signed amendment's
    (by effective date, then number) from its date; one taking effect before the period
    gives its first terms, one taking effect after it none."""
    terms = [Terms(period_start, original)]
    for effective, lines in signed:
        if effective > period_end:
            continue
        since = max(effective, period_start)
        if terms[-1].since == since:
            terms[-1] = Terms(since, lines)
        else:
            terms.append(Terms(since, lines))
    return terms


def plan_in_force(
    mission_id: str,
    period_start: date,
    period_end: date,
    terms: Sequence[Terms],
    work_by_service: Mapping[str, list[ServiceWork]],
    renewal: int = 0,
) -> list[PlannedWork]:
    """The period's work, each slice planned from the lines in force on its first day."""
    planned: list[PlannedWork] = []
    for index, current in enumerate(terms):
        until = terms[index + 1].since if index + 1 < len(terms) else None
        for work in plan_work(
            mission_id, period_start, period_end, current.lines, work_by_service, renewal
        ):
            starts_before = index > 0 and work.period_start < current.since
            if not starts_before and (until is None or work.period_start < until):
                planned.append(work)
    return planned


def terms_of(lines: Sequence[MissionLine]) -> list[TermsLine]:
    """Line rows as ``changes_between`` compares them."""
    return [
        TermsLine(line.service_id, line.name, line.price, Frequency(line.frequency))
        for line in lines
    ]


def amendment_template_bytes(
    session: Session, blobs: BlobStore, firm_id: str, template_id: str
) -> bytes | None:
    """The amendment's .docx: Sceau's default amendment, or a template the firm uploaded."""
    if template_id == DEFAULT_TEMPLATE_ID:
        return DEFAULT_AMENDMENT_TEMPLATE.read_bytes()
    return template_bytes(session, blobs, firm_id, template_id)


def amendment_letter_key(amendment_id: str, version: int) -> str:
    """The GED key of an amendment's letter: filing it again files nothing new."""
    return f"amendment:{amendment_id}:v{version}"


def amendment_of_key(key: str) -> str | None:
    """The amendment a letter's GED key belongs to (None: the mission's own letter)."""
    parts = key.split(":")
    return parts[1] if len(parts) == 3 and parts[0] == "amendment" else None
