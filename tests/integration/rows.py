"""Rows the integration tests start from."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import Session

from domain.models import Firm

FIRM_FIELDS: dict[str, Any] = {
    "name": "Cabinet Martin & Associés",
    "legal_form": "SAS",
    "siren": "123 456 789",
    "address": "12 rue de la Paix, 75002 Paris",
    "city": "Paris",
    "vat_number": "FR12 123456789",
    "ordre_council": "Paris Île-de-France",
    "vat_rate": Decimal("20.00"),
}


def add_firm(session: Session, **overrides: Any) -> Firm:
    """A firm with every field a letter shows, flushed so that its id can be used."""
    firm = Firm(**{**FIRM_FIELDS, **overrides})
    session.add(firm)
    session.flush()
    return firm
