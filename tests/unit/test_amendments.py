"""What an amendment's new lines change, as the firm and the client read it."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from domain.amendments import (
    ChangeKind,
    NothingChanges,
    TermsLine,
    changes_between,
    changes_context,
    paired_line_ids,
    plan_in_force,
    terms_in_period,
    validate_effective_date,
)
from domain.enums import Frequency, WorkKind
from domain.models import MissionLine, ServiceWork

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


def line(line_id: str, service_id: str, price: str = "100.00") -> MissionLine:
    return MissionLine(
        id=line_id,
        mission_id="m",
        position=0,
        service_id=service_id,
        code=service_id,
        name=service_id,
        price=Decimal(price),
        frequency=Frequency.monthly,
    )


def test_a_line_that_stays_keeps_its_id_and_an_added_one_gets_a_new_one() -> None:
    current = [line("l1", "tenue"), line("l2", "paie"), line("l3", "paie")]
    fresh = iter(["new-1", "new-2"])

    ids = paired_line_ids(current, ["paie", "bilan", "tenue", "paie", "paie"], lambda: next(fresh))

    assert ids == ["l2", "new-1", "l1", "l3", "new-2"]


def test_the_terms_of_a_period_follow_each_signed_amendment_from_its_date() -> None:
    letter, cheaper, payroll = [line("l1", "t")], [line("l1", "t", "80.00")], [line("l9", "p")]
    start, end = date(2027, 1, 1), date(2027, 12, 31)

    terms = terms_in_period(
        start,
        end,
        letter,
        [(date(2026, 6, 1), cheaper), (date(2027, 7, 1), payroll), (date(2028, 2, 1), letter)],
    )

    # One before the period gives its first terms; one after it, none.
    assert [(t.since, t.lines) for t in terms] == [(start, cheaper), (date(2027, 7, 1), payroll)]


def test_each_slice_is_planned_from_the_lines_in_force_on_its_first_day() -> None:
    work = {"t": [ServiceWork(service_id="t", position=0, kind=WorkKind.task, title="Saisie")]}
    letter, cheaper = [line("l1", "t")], [line("l1", "t", "80.00"), line("l2", "t")]
    start, end = date(2027, 1, 1), date(2027, 12, 31)
    terms = terms_in_period(start, end, letter, [(date(2027, 7, 15), cheaper)])

    planned = plan_in_force("m", start, end, terms, work)

    months = Counter((item.line_id, item.period_start.month) for item in planned)
    # July began before the 15th: it keeps the letter's lines; August on, the amendment's.
    assert sorted(month for line_id, month in months if line_id == "l2") == list(range(8, 13))
    assert sorted(month for line_id, month in months if line_id == "l1") == list(range(1, 13))
    assert set(months.values()) == {1}
