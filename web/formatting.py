"""French formats for the pages: `1 234,50 €`, `31/12/2027`, frequencies in words."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.enums import Frequency
from domain.money import FREQUENCY_LABELS, format_eur

# French typography: a narrow no-break space between thousands, a no-break space before the
# unit, so that an amount never wraps across two lines.
THOUSANDS = "\u202f"
BEFORE_UNIT = "\u00a0"
PARIS = ZoneInfo("Europe/Paris")


def money(amount: Decimal | str | int | None) -> str:
    """``Decimal("1234.5")`` → ``1 234,50 €`` (domain.money's rule, French spaces)."""
    if amount is None:
        return ""
    text = format_eur(Decimal(str(amount)))  # "1 234,50 €"
    number = text.removesuffix(" €")
    return number.replace(" ", THOUSANDS) + BEFORE_UNIT + "€"


def day(value: date | datetime | str | None) -> str:
    """A date as ``31/12/2027``; a datetime is shown on its day in Paris."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = _paris(value).date()
    return value.strftime("%d/%m/%Y")


def moment(value: datetime | None) -> str:
    """A datetime as ``31/12/2027 14:05``, Paris time."""
    if value is None:
        return ""
    return _paris(value).strftime("%d/%m/%Y %H:%M")


def frequency(value: Frequency | str | None) -> str:
    if value is None or value == "":
        return ""
    return FREQUENCY_LABELS[Frequency(value)]


def _paris(value: datetime) -> datetime:
    # Naive datetimes from the database are UTC (domain/models.py).
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(PARIS)


FILTERS = {"money": money, "day": day, "moment": moment, "frequency": frequency}
