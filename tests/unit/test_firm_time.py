"""A mission's period over time: the next period, notice, termination, and the firm's clock."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.enums import Frequency, WorkKind
from domain.models import MissionLine, ServiceWork
from domain.period import (
    FirmClock,
    consumer_notice_window,
    last_day_to_refuse,
    next_period,
    termination_effective_on,
    valid_time_zone,
)
from domain.work import openings, plan_work


def test_a_renewal_is_a_period_of_the_same_length() -> None:
    assert next_period(date(2027, 1, 1), date(2027, 12, 31)) == (
        date(2028, 1, 1),
        date(2028, 12, 31),
    )
    # A financial year from 1 July.
    assert next_period(date(2027, 7, 1), date(2028, 6, 30)) == (date(2028, 7, 1), date(2029, 6, 30))
    # Not whole months: the same number of days (here 90).
    assert next_period(date(2027, 1, 31), date(2027, 4, 30)) == (
        date(2027, 5, 1),
        date(2027, 7, 29),
    )
    assert next_period(date(2027, 1, 10), date(2027, 1, 19)) == (
        date(2027, 1, 20),
        date(2027, 1, 29),
    )


def test_notice_and_the_consumers_window() -> None:
    assert last_day_to_refuse(date(2027, 12, 31), 3) == date(2027, 9, 30)
    assert last_day_to_refuse(date(2027, 12, 31), 0) == date(2027, 12, 31)
    # L215-1: no earlier than three months, no later than one month before that day.
    assert consumer_notice_window(date(2027, 12, 31), 3) == (date(2027, 6, 30), date(2027, 8, 30))


def test_when_a_termination_takes_effect() -> None:
    start, end = date(2027, 1, 1), date(2027, 12, 31)
    assert termination_effective_on(start, end, 3, date(2027, 9, 30)) == end
    assert termination_effective_on(start, end, 3, date(2027, 10, 1)) == date(2028, 12, 31)
    agreed = date(2027, 4, 30)
    assert termination_effective_on(start, end, 3, date(2027, 10, 1), agreed) == agreed
    # A later agreed date does not delay it; a mission that does not renew ends with its period.
    assert termination_effective_on(start, end, 3, date(2027, 9, 1), date(2028, 3, 1)) == end
    assert termination_effective_on(start, end, 3, date(2027, 11, 1), renews=False) == end


def test_the_firms_day_begins_at_its_midnight_and_openings_time() -> None:
    paris = FirmClock()
    # Winter (UTC+1) and summer (UTC+2) in Paris.
    assert paris.day_starts(date(2027, 1, 1)) == datetime(2026, 12, 31, 23, tzinfo=UTC)
    assert paris.day_starts(date(2027, 7, 1)) == datetime(2027, 6, 30, 22, tzinfo=UTC)
    later = FirmClock("Europe/Paris", openings_at="06:00", lead_days=5)
    assert later.day_starts(date(2027, 1, 1)) == datetime(2027, 1, 1, 5, tzinfo=UTC)
    assert later.opens(date(2027, 1, 1)) == datetime(2026, 12, 27, 5, tzinfo=UTC)
    assert FirmClock("America/Cayenne").day_starts(date(2027, 1, 1)) == datetime(
        2027, 1, 1, 3, tzinfo=UTC
    )
    assert paris.today(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2027, 1, 1)
    assert later.today(datetime(2027, 1, 1, 4, 59, tzinfo=UTC)) == date(2026, 12, 31)
    # A minute's precision: a firm may spread its openings away from the busiest minute.
    spread = FirmClock("Europe/Paris", openings_at="02:17")
    assert spread.day_starts(date(2027, 1, 1)) == datetime(2027, 1, 1, 1, 17, tzinfo=UTC)
    assert spread.today(datetime(2027, 1, 1, 1, 16, tzinfo=UTC)) == date(2026, 12, 31)


def test_an_unknown_time_zone_is_refused() -> None:
    assert valid_time_zone("Indian/Reunion") == "Indian/Reunion"
    for name in ("Mars/Olympus", "../../etc/passwd", ""):
        with pytest.raises(ValueError, match="time zone"):
            valid_time_zone(name)


def test_work_opens_slice_by_slice_and_renewals_have_keys_of_their_own() -> None:
    line = MissionLine(
        id="l1", mission_id="m", position=0, service_id="s", code="T", name="T",
        price=Decimal(1), frequency=Frequency.monthly,
    )  # fmt: skip
    work = {"s": [ServiceWork(service_id="s", position=0, kind=WorkKind.task, title="Saisir")]}
    year = plan_work("m", date(2027, 1, 1), date(2027, 12, 31), [line], work)
    renewed = plan_work("m", date(2028, 1, 1), date(2028, 12, 31), [line], work, renewal=1)
    # The first period keeps the keys it always had; a renewal's never collide with them.
    assert year[0].key == "m:l1:0:0"
    assert renewed[0].key == "m:l1:0:r1:0"
    assert not {w.key for w in year} & {w.key for w in renewed}
    paris = FirmClock()
    opened = openings(year, paris, datetime(2027, 2, 28, 22, 59, tzinfo=UTC))
    assert [w.period_start.month for w in opened.open] == [1, 2]
    assert opened.next_opening == datetime(2027, 2, 28, 23, tzinfo=UTC)
    # Nothing starting after a termination's last day opens.
    ended = openings(year, paris, datetime(2028, 1, 1, tzinfo=UTC), until=date(2027, 4, 30))
    assert len(ended.open) == 4 and ended.next_opening is None
