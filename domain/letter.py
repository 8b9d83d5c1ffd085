"""What a letter template receives: every value formatted as the letter prints it."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.enums import Frequency
from domain.models import Client, Firm, Mission, MissionLine, Representative, Staff
from domain.money import (
    FREQUENCY_ADVERBS,
    FREQUENCY_LABELS,
    OCCURRENCES_PER_YEAR,
    format_eur,
    format_rate,
    yearly_amount,
)
from domain.period import duration_label, format_date_fr, format_month_day_fr
from domain.totals import PricedLine, totals_of

# The names a template may use; an uploaded template using any other is refused.
CONTEXT_VARIABLES = frozenset(
    {
        "firm",
        "firm_representative",
        "client",
        "client_representative",
        "mission",
        "lines",
        "totals",
        "letter",
    }
)


def _person(first_name: str, last_name: str, **extra: str) -> dict[str, str]:
    return {
        "first_name": first_name,
        "last_name": last_name,
        "full_name": f"{first_name} {last_name}".strip(),
        **extra,
    }


def letter_context(
    *,
    firm: Firm,
    firm_representative: Staff,
    client: Client,
    client_representative: Representative,
    mission: Mission,
    lines: list[MissionLine],
    letter_date: date,
    version: int,
) -> dict[str, Any]:
    assert mission.period_start and mission.period_end and mission.frequency
    totals = totals_of((PricedLine(line.price, line.frequency) for line in lines), firm.vat_rate)
    return {
        "firm": {
            "name": firm.name,
            "legal_form": firm.legal_form,
            "address": firm.address,
            "siren": firm.siren,
            "vat_number": firm.vat_number,
            "ordre_council": firm.ordre_council,
            "city": firm.city,
        },
        "firm_representative": _person(
            firm_representative.first_name,
            firm_representative.last_name,
            title=firm_representative.title,
            email=firm_representative.email,
        ),
        "client": {
            "name": client.name,
            "legal_form": client.legal_form,
            "siren": client.siren,
            "address": client.address,
            "activity": client.activity,
            "fiscal_year_end": format_month_day_fr(client.fiscal_year_end),
        },
        "client_representative": _person(
            client_representative.first_name,
            client_representative.last_name,
            title=client_representative.title,
            email=client_representative.email,
            phone=client_representative.phone,
        ),
        "mission": {
            "name": mission.name,
            "period_start": format_date_fr(mission.period_start),
            "period_end": format_date_fr(mission.period_end),
            "duration": duration_label(mission.period_start, mission.period_end),
            "frequency": FREQUENCY_LABELS[Frequency(mission.frequency)],
            "frequency_label": FREQUENCY_ADVERBS[Frequency(mission.frequency)],
        },
        "lines": [
            {
                "code": line.code,
                "name": line.name,
                "description": line.description,
                "price": format_eur(line.price),
                "frequency_label": FREQUENCY_LABELS[Frequency(line.frequency)],
                "occurrences": OCCURRENCES_PER_YEAR[Frequency(line.frequency)],
                "yearly_amount": format_eur(yearly_amount(line.price, Frequency(line.frequency))),
            }
            for line in lines
        ],
        "totals": {
            "excl_vat": format_eur(totals.excl_vat),
            "vat": format_eur(totals.vat),
            "incl_vat": format_eur(totals.incl_vat),
            "vat_rate": format_rate(totals.vat_rate),
        },
        "letter": {
            "date": format_date_fr(letter_date),
            "place": firm.city or firm.address,
            "version": version,
        },
    }
