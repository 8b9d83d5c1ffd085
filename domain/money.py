"""Money rules: decimal euros with two places, French formatting, yearly amounts."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from domain.enums import Frequency

CENT = Decimal("0.01")
# Beyond this, quantizing to cents exceeds decimal precision; no fee comes near it.
LARGEST = Decimal(10) ** 15

OCCURRENCES_PER_YEAR: dict[Frequency, int] = {
    Frequency.monthly: 12,
    Frequency.quarterly: 4,
    Frequency.half_yearly: 2,
    Frequency.yearly: 1,
    Frequency.one_off: 1,
}

FREQUENCY_LABELS: dict[Frequency, str] = {
    Frequency.one_off: "Ponctuelle",
    Frequency.monthly: "Mensuelle",
    Frequency.quarterly: "Trimestrielle",
    Frequency.half_yearly: "Semestrielle",
    Frequency.yearly: "Annuelle",
}

# As the letter says it: "honoraires payables mensuellement".
FREQUENCY_ADVERBS: dict[Frequency, str] = {
    Frequency.one_off: "en une seule fois",
    Frequency.monthly: "mensuellement",
    Frequency.quarterly: "trimestriellement",
    Frequency.half_yearly: "semestriellement",
    Frequency.yearly: "annuellement",
}


def to_money(value: object) -> Decimal:
    """Parse a price (decimal string or number) into euros with two places; reject the rest."""
    if isinstance(value, bool) or value is None:
        raise ValueError('a price is a decimal amount such as "149.99"')
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal amount") from None
    if not amount.is_finite() or abs(amount) >= LARGEST:
        raise ValueError(f"{value!r} is not an amount Sceau can hold")
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ValueError(f"{value!r} has more than two decimal places")
    return amount.quantize(CENT)


def yearly_amount(price: Decimal, frequency: Frequency) -> Decimal:
    return (price * OCCURRENCES_PER_YEAR[frequency]).quantize(CENT)


def vat_of(amount: Decimal, rate_percent: Decimal) -> Decimal:
    return (amount * rate_percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def format_eur(amount: Decimal) -> str:
    """``1234.5`` → ``1 234,50 €`` (a space between thousands)."""
    sign = "-" if amount < 0 else ""
    units, cents = f"{abs(amount.quantize(CENT)):.2f}".split(".")
    groups: list[str] = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    return f"{sign}{' '.join(groups)},{cents} €"


def format_rate(rate_percent: Decimal) -> str:
    text = f"{rate_percent.normalize():f}".replace(".", ",")
    return f"{text} %"
