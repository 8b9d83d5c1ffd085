"""What an amendment's new lines change, as the firm and the client read it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.amendments import (
    ChangeKind,
    NothingChanges,
    TermsLine,
    changes_between,
    changes_context,
    validate_effective_date,
)
from domain.enums import Frequency

BOOKKEEPING = TermsLine("svc_tenue", "Tenue comptable", Decimal("150.00"), Frequency.monthly)
PAYROLL = TermsLine("svc_paie", "Paie", Decimal("45.00"), Frequency.monthly)
ACCOUNTS = TermsLine("svc_bilan", "Bilan", Decimal("1200.00"), Frequency.yearly)


def test_a_service_added_and_one_removed() -> None:
    changes = changes_between([BOOKKEEPING, ACCOUNTS], [BOOKKEEPING, PAYROLL])

    assert [(change.kind, change.service_id) for change in changes] == [
        (ChangeKind.removed, "svc_bilan"),
        (ChangeKind.added, "svc_paie"),
    ]


def test_a_lower_price_is_one_change_with_both_prices() -> None:
    cheaper = TermsLine("svc_tenue", "Tenue comptable", Decimal("120.00"), Frequency.monthly)

    (change,) = changes_between([BOOKKEEPING, ACCOUNTS], [cheaper, ACCOUNTS])

    assert change.kind is ChangeKind.changed
    assert change.price_changed and not change.frequency_changed
    assert change.as_dict()["before"] == {"price": "150.00", "frequency": "monthly"}
    assert change.as_dict()["after"] == {"price": "120.00", "frequency": "monthly"}
    assert changes_context([change]) == [
        {
            "label": "Prestation modifiée",
            "name": "Tenue comptable",
            "text": "prix unitaire porté de 150,00 € à 120,00 € HT",
        }
    ]


def test_a_service_held_twice_is_paired_in_order() -> None:
    second = TermsLine("svc_paie", "Paie", Decimal("45.00"), Frequency.quarterly)

    (change,) = changes_between([PAYROLL, PAYROLL], [PAYROLL, second])

    assert change.kind is ChangeKind.changed and change.frequency_changed
    assert "mensuelle remplacée par trimestrielle" in changes_context([change])[0]["text"]


def test_the_same_lines_in_another_order_change_nothing() -> None:
    with pytest.raises(NothingChanges):
        changes_between([BOOKKEEPING, ACCOUNTS], [ACCOUNTS, BOOKKEEPING])


def test_the_effective_date_lies_in_the_current_period() -> None:
    validate_effective_date(
        date(2027, 7, 1), period_start=date(2027, 1, 1), period_end=date(2027, 12, 31)
    )
    with pytest.raises(ValueError, match="current period"):
        validate_effective_date(
            date(2028, 1, 1), period_start=date(2027, 1, 1), period_end=date(2027, 12, 31)
        )
