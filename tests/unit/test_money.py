from decimal import Decimal

import pytest

from domain.enums import Frequency
from domain.money import format_eur, format_rate, to_money, vat_of, yearly_amount


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("149.99", "149.99"), (149.99, "149.99"), (12, "12.00"), ("0.1", "0.10"), ("1e3", "1000.00")],
)
def test_prices_parse_to_cents(raw: object, expected: str) -> None:
    assert to_money(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["abc", "1.234", "NaN", "Infinity", "1e30", None, True, ""])
def test_bad_prices_are_refused(raw: object) -> None:
    with pytest.raises(ValueError):
        to_money(raw)


def test_french_format() -> None:
    assert format_eur(Decimal("1234.5")) == "1 234,50 €"
    assert format_eur(Decimal("0")) == "0,00 €"
    assert format_eur(Decimal("1234567.89")) == "1 234 567,89 €"
    assert format_eur(Decimal("-5")) == "-5,00 €"
    assert format_rate(Decimal("20.00")) == "20 %"
    assert format_rate(Decimal("5.5")) == "5,5 %"


def test_yearly_amount_and_vat() -> None:
    assert yearly_amount(Decimal("250.00"), Frequency.monthly) == Decimal("3000.00")
    assert yearly_amount(Decimal("95.50"), Frequency.quarterly) == Decimal("382.00")
    assert yearly_amount(Decimal("80.00"), Frequency.half_yearly) == Decimal("160.00")
    assert yearly_amount(Decimal("500.00"), Frequency.one_off) == Decimal("500.00")
    assert vat_of(Decimal("5182.00"), Decimal("20")) == Decimal("1036.40")
    assert vat_of(Decimal("0.05"), Decimal("20")) == Decimal("0.01")
