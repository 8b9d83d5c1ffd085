"""Mission periods and the schedule of work inside them."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from domain.enums import Frequency

MAX_YEARS = 5
# Work falls due up to a year either side of a period: dates near the calendar's ends overflow.
FIRST_YEAR, LAST_YEAR = 2000, 2099

MONTHS_PER_SLICE: dict[Frequency, int] = {
    Frequency.monthly: 1,
    Frequency.quarterly: 3,
    Frequency.half_yearly: 6,
    Frequency.yearly: 12,
}

MONTH_NAMES = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]  # fmt: skip


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def validate_period(start: date, end: date) -> None:
    if end < start:
        raise ValueError("the period ends before it starts")
    if start.year < FIRST_YEAR or end.year > LAST_YEAR:
        raise ValueError(f"a mission's period lies between {FIRST_YEAR} and {LAST_YEAR}")
    if end >= add_months(start, 12 * MAX_YEARS):
        raise ValueError(f"a mission lasts at most {MAX_YEARS} years")


@dataclass(frozen=True)
class Slice:
    index: int
    start: date
    end: date


def slices(start: date, end: date, frequency: Frequency) -> list[Slice]:
    """The successive periods of ``frequency`` that cover [start, end]; one-off is one slice."""
    if frequency is Frequency.one_off:
        return [Slice(0, start, end)]
    step = MONTHS_PER_SLICE[frequency]
    result: list[Slice] = []
    cursor = start
    while cursor <= end:
        following = add_months(start, step * (len(result) + 1))
        result.append(Slice(len(result), cursor, min(following - timedelta(days=1), end)))
        cursor = following
    return result


def duration_label(start: date, end: date) -> str:
    """How long [start, end] lasts, in whole months when it is months, else in days."""
    after = end + timedelta(days=1)
    months = (after.year - start.year) * 12 + after.month - start.month
    if after.day < start.day:
        months -= 1
    if months > 0 and add_months(start, months) == after:
        return f"{months} mois"
    days = (after - start).days
    return f"{days} jour{'s' if days > 1 else ''}"


def format_date_fr(day: date) -> str:
    prefix = "1er" if day.day == 1 else str(day.day)
    return f"{prefix} {MONTH_NAMES[day.month - 1]} {day.year}"


def format_month_day_fr(month_day: str) -> str:
    """``12-31`` → ``31 décembre``."""
    month, day = (int(part) for part in month_day.split("-"))
    return f"{'1er' if day == 1 else day} {MONTH_NAMES[month - 1]}"


def parse_month_day(value: str) -> str:
    """Validate a financial year end given as ``MM-DD``."""
    try:
        month, day = (int(part) for part in value.split("-"))
        date(2000, month, day)  # a leap year, so 02-29 is allowed
    except (ValueError, TypeError):
        raise ValueError(f"{value!r} is not a month and day as MM-DD") from None
    if len(value) != 5:
        raise ValueError(f"{value!r} is not a month and day as MM-DD")
    return value
