"""Every value the pages can meet has a French word: a missing one is a 500 on the page."""

from __future__ import annotations

from enum import StrEnum

import pytest

from domain.enums import DocumentKind, MissionStatus, ServiceRequestStatus, WorkKind, WorkStatus
from web.staff.labels import DOCUMENT_KIND, REQUEST_STATUS, STATUS, WORK_KIND, WORK_STATUS


@pytest.mark.parametrize(
    ("values", "labels"),
    [
        (MissionStatus, STATUS),
        (ServiceRequestStatus, REQUEST_STATUS),
        (WorkKind, WORK_KIND),
        (WorkStatus, WORK_STATUS),
        (DocumentKind, DOCUMENT_KIND),
    ],
)
def test_every_value_has_a_label(values: type[StrEnum], labels: dict[str, str]) -> None:
    assert [value for value in values if value not in labels] == []
