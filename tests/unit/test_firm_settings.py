"""The body that changes a firm's time settings: only what is given, each value checked."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from api.schemas import FirmSettingsIn


def test_only_the_settings_given_are_changed() -> None:
    body = FirmSettingsIn.model_validate({"openings_at": "23:59"})
    assert body.model_dump(exclude_unset=True) == {"openings_at": "23:59"}
    body = FirmSettingsIn.model_validate(
        {"time_zone": "America/Cayenne", "openings_at": "00:00", "work_lead_days": 0}
    )
    assert body.model_dump(exclude_unset=True) == {
        "time_zone": "America/Cayenne",
        "openings_at": "00:00",
        "work_lead_days": 0,
    }


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"time_zone": "Europe/Pariss"}, "not a known time zone"),
        ({"openings_at": "25:00"}, "pattern"),
        ({"openings_at": "06:00:00"}, "pattern"),
        ({"work_lead_days": -3}, "greater than or equal to 0"),
        ({"work_lead_days": None}, "cannot be null"),
        ({}, "at least one"),
        ({"openings": "06:00"}, "Extra inputs"),
    ],
)
def test_a_bad_setting_is_refused_saying_why(body: dict[str, Any], says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        FirmSettingsIn.model_validate(body)
