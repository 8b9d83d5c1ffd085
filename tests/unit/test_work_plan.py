from datetime import date
from decimal import Decimal

from domain.enums import Frequency, WorkKind
from domain.models import MissionLine, ServiceWork
from domain.work import PlanStatus, plan_status, plan_work


def line(line_id: str, service_id: str, frequency: Frequency) -> MissionLine:
    return MissionLine(
        id=line_id,
        mission_id="m",
        position=0,
        service_id=service_id,
        code=service_id,
        name=service_id,
        price=Decimal("1.00"),
        frequency=frequency,
    )


def test_each_work_item_once_per_period_with_its_due_rule() -> None:
    work = {
        "tenue": [
            ServiceWork(
                service_id="tenue", position=0, kind=WorkKind.information_request, title="Relevés"
            ),
            ServiceWork(service_id="tenue", position=1, kind=WorkKind.task, title="Saisie", due=15),
        ],
        "bilan": [
            ServiceWork(service_id="bilan", position=0, kind=WorkKind.task, title="Bilan", due=-10)
        ],
    }
    planned = plan_work(
        "m",
        date(2027, 1, 1),
        date(2027, 12, 31),
        [line("l1", "tenue", Frequency.monthly), line("l2", "bilan", Frequency.yearly)],
        work,
    )
    assert len(planned) == 12 * 2 + 1
    assert len({item.key for item in planned}) == len(planned)
    saisie = [item for item in planned if item.title.startswith("Saisie")]
    assert saisie[0].title == "Saisie (01/2027)" and saisie[0].due_date == date(2027, 2, 15)
    bilan = [item for item in planned if item.title == "Bilan"]
    assert [item.due_date for item in bilan] == [date(2027, 12, 21)]


def test_a_service_without_work_plans_nothing() -> None:
    planned = plan_work(
        "m", date(2027, 1, 1), date(2027, 3, 31), [line("l", "x", Frequency.monthly)], {}
    )
    assert planned == []


def test_each_item_carries_its_periods_dates() -> None:
    work = {"tva": [ServiceWork(service_id="tva", position=0, kind=WorkKind.task, title="TVA")]}
    planned = plan_work(
        "m", date(2027, 1, 1), date(2027, 12, 31), [line("l", "tva", Frequency.quarterly)], work
    )
    assert [(item.period_start, item.period_end, item.due_date) for item in planned] == [
        (date(2027, 1, 1), date(2027, 3, 31), date(2027, 3, 31)),
        (date(2027, 4, 1), date(2027, 6, 30), date(2027, 6, 30)),
        (date(2027, 7, 1), date(2027, 9, 30), date(2027, 9, 30)),
        (date(2027, 10, 1), date(2027, 12, 31), date(2027, 12, 31)),
    ]


def test_the_plan_marks_each_period_created_once_its_key_exists() -> None:
    work = {
        "tenue": [
            ServiceWork(service_id="tenue", position=0, kind=WorkKind.task, title="Saisie", due=15)
        ],
        "bilan": [
            ServiceWork(service_id="bilan", position=0, kind=WorkKind.task, title="Bilan", due=-10)
        ],
    }
    planned = plan_work(
        "m",
        date(2027, 1, 1),
        date(2027, 3, 31),
        [line("l2", "bilan", Frequency.yearly), line("l1", "tenue", Frequency.monthly)],
        work,
    )
    # January's bookkeeping exists (and a key of no plan item, which the plan ignores).
    plan = plan_status(planned, {"m:l1:0:0", "declined:m"})

    assert [(item.work.title, item.status) for item in plan] == [
        ("Saisie (01/2027)", PlanStatus.created),
        ("Saisie (02/2027)", PlanStatus.planned),
        ("Bilan", PlanStatus.planned),
        ("Saisie (03/2027)", PlanStatus.planned),
    ]
    february = plan[1].work
    assert (february.period_start, february.period_end, february.due_date) == (
        date(2027, 2, 1),
        date(2027, 2, 28),
        date(2027, 3, 15),
    )
    assert [item.status for item in plan_status(planned, set())] == [PlanStatus.planned] * 4
    everything = {item.key for item in planned}
    assert {item.status for item in plan_status(planned, everything)} == {PlanStatus.created}
