"""A mission's fees: each line's yearly amount, the totals excl. VAT, the VAT, incl. VAT."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from domain.enums import Frequency
from domain.money import CENT, vat_of, yearly_amount


@dataclass(frozen=True)
class PricedLine:
    price: Decimal
    frequency: Frequency


@dataclass(frozen=True)
class Totals:
    excl_vat: Decimal
    vat_rate: Decimal
    vat: Decimal
    incl_vat: Decimal


def totals_of(lines: Iterable[PricedLine], vat_rate: Decimal) -> Totals:
    excl_vat = sum((yearly_amount(line.price, line.frequency) for line in lines), CENT * 0)
    vat = vat_of(excl_vat, vat_rate)
    return Totals(excl_vat=excl_vat, vat_rate=vat_rate, vat=vat, incl_vat=excl_vat + vat)
