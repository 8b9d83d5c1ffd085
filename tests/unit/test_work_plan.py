from datetime import date
from decimal import Decimal

from domain.enums import Frequency, WorkKind
from domain.models import MissionLine, ServiceWork
from domain.work import plan_work


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
