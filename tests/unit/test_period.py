from datetime import date

import pytest

from domain.enums import Frequency
from domain.period import (
    duration_label,
    format_date_fr,
    format_month_day_fr,
    parse_month_day,
    slices,
    validate_period,
)


def test_period_rules() -> None:
    validate_period(date(2027, 1, 1), date(2027, 1, 1))
    validate_period(date(2027, 1, 1), date(2031, 12, 31))
    with pytest.raises(ValueError, match="ends before"):
        validate_period(date(2027, 1, 2), date(2027, 1, 1))
    with pytest.raises(ValueError, match="5 years"):
        validate_period(date(2027, 1, 1), date(2032, 1, 1))


def test_monthly_slices_end_at_each_month_end() -> None:
    months = slices(date(2027, 1, 1), date(2027, 12, 31), Frequency.monthly)
    assert len(months) == 12
    assert months[1].end == date(2027, 2, 28)
    assert months[-1].start == date(2027, 12, 1) and months[-1].end == date(2027, 12, 31)


def test_slices_clip_to_the_period_and_one_off_is_one() -> None:
    quarters = slices(date(2027, 1, 15), date(2027, 8, 31), Frequency.quarterly)
    assert [(q.start, q.end) for q in quarters] == [
        (date(2027, 1, 15), date(2027, 4, 14)),
        (date(2027, 4, 15), date(2027, 7, 14)),
        (date(2027, 7, 15), date(2027, 8, 31)),
    ]
    assert len(slices(date(2027, 1, 1), date(2029, 12, 31), Frequency.one_off)) == 1
    assert len(slices(date(2027, 1, 1), date(2029, 12, 31), Frequency.yearly)) == 3


def test_french_dates_and_durations() -> None:
    assert format_date_fr(date(2027, 1, 1)) == "1er janvier 2027"
    assert format_date_fr(date(2027, 8, 15)) == "15 août 2027"
    assert format_month_day_fr("12-31") == "31 décembre"
    assert duration_label(date(2027, 1, 1), date(2027, 12, 31)) == "12 mois"
    assert duration_label(date(2027, 1, 15), date(2028, 1, 14)) == "12 mois"
    assert duration_label(date(2027, 1, 1), date(2027, 1, 10)) == "10 jours"


@pytest.mark.parametrize("bad", ["13-01", "02-30", "1231", "12/31", "ab-cd", "1-1"])
def test_bad_year_ends_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_month_day(bad)
