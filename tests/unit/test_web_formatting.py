"""The pages' French formats and their sign-in rate limit."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from web.formatting import day, frequency, moment, money
from web.ratelimit import SlidingWindow


def test_money_is_written_the_french_way_with_no_break_spaces() -> None:
    assert money(Decimal("1234.5")) == "1\u202f234,50\u00a0€"
    assert money("1234567.89") == "1\u202f234\u202f567,89\u00a0€"
    assert money(Decimal("0")) == "0,00\u00a0€"
    assert money(Decimal("-90")) == "-90,00\u00a0€"
    assert money(None) == ""


def test_dates_are_day_month_year() -> None:
    assert day(date(2027, 12, 31)) == "31/12/2027"
    assert day("2027-01-05") == "05/01/2027"
    # 23:30 UTC on New Year's Eve is already the new year in Paris.
    assert day(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "01/01/2027"
    assert moment(datetime(2027, 6, 1, 12, 5, tzinfo=UTC)) == "01/06/2027 14:05"
    assert frequency("monthly") == "Mensuelle"


def test_the_window_refuses_the_sixth_event_in_a_minute_then_lets_go() -> None:
    now = [1000.0]
    window = SlidingWindow(limit=5, seconds=60, clock=lambda: now[0])
    for second in range(5):
        now[0] = 1000.0 + second
        assert window.retry_after("a@b") is None
        window.hit("a@b")
    assert window.retry_after("a@b") == 56  # the first falls out at 1060
    assert window.retry_after("other@b") is None
    now[0] = 1060.5
    assert window.retry_after("a@b") is None
    window.clear("a@b")
    assert window.retry_after("a@b") is None
