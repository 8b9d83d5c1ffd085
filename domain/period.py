"""Mission periods and the schedule of work inside them."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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


# --- the mission's period over time: renewal, notice, termination --------------------------


def whole_months(start: date, end: date) -> int | None:
    """How many whole months [start, end] lasts, or None when it is not whole months."""
    after = end + timedelta(days=1)
    months = (after.year - start.year) * 12 + after.month - start.month
    if months > 0 and add_months(start, months) == after:
        return months
    return None


def next_period(start: date, end: date) -> tuple[date, date]:
    """The period a tacit renewal gives: the same length, from the day after ``end``."""
    months = whole_months(start, end)
    if months is not None:
        # From the original start, so that a 31 January start does not drift to the 28th.
        return end + timedelta(days=1), add_months(start, 2 * months) - timedelta(days=1)
    return end + timedelta(days=1), end + (end - start) + timedelta(days=1)


def last_day_to_refuse(period_end: date, notice_months: int) -> date:
    """The last day on which either party may still refuse the renewal with its notice."""
    return add_months(period_end + timedelta(days=1), -notice_months) - timedelta(days=1)


def consumer_notice_window(period_end: date, notice_months: int) -> tuple[date, date]:
    """When a consumer must be told of the renewal (Code de la consommation, art. L215-1): no
    earlier than three months and no later than one month before the last day to refuse it."""
    deadline = last_day_to_refuse(period_end, notice_months)
    return add_months(deadline, -3), add_months(deadline, -1)


def termination_effective_on(
    period_start: date,
    period_end: date,
    notice_months: int,
    notice_given_on: date,
    agreed_end: date | None = None,
    renews: bool = True,
) -> date:
    """When a termination takes effect: the end of the current period if the notice was given
    in time, else the end of the next one (only a renewing mission has one); an earlier date
    the parties agreed on wins."""
    if notice_given_on <= last_day_to_refuse(period_end, notice_months) or not renews:
        effective = period_end
    else:
        effective = next_period(period_start, period_end)[1]
    if agreed_end is not None and agreed_end < effective:
        return agreed_end
    return effective


# --- time as the firm lives it --------------------------------------------------------------


@dataclass(frozen=True)
class FirmClock:
    """When a day begins for a firm: its time zone's midnight, moved to the firm's openings
    time; work opens ``lead_days`` before its slice starts."""

    time_zone: str = "Europe/Paris"
    # HH:MM: the day's openings and renewals run at this time, so that they need not all
    # land on midnight, the busiest minute.
    openings_at: str = "00:00"
    lead_days: int = 0

    def day_starts(self, day: date) -> datetime:
        """The instant (UTC) at which ``day``'s openings and renewals run."""
        opening = time.fromisoformat(self.openings_at)
        local = datetime.combine(day, opening, ZoneInfo(self.time_zone))
        return local.astimezone(UTC)

    def opens(self, slice_start: date) -> datetime:
        """When the work of a slice starting on ``slice_start`` is created."""
        return self.day_starts(slice_start - timedelta(days=self.lead_days))

    def today(self, now: datetime) -> date:
        """The firm's date at ``now``, counted from its openings time."""
        opening = time.fromisoformat(self.openings_at)
        shift = timedelta(hours=opening.hour, minutes=opening.minute)
        local = now.astimezone(ZoneInfo(self.time_zone)) - shift
        return local.date()


def valid_time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"{name!r} is not a known time zone (e.g. Europe/Paris)") from None
    return name
