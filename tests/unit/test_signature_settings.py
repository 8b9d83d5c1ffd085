"""Which Yousign Sceau calls, and the reminder schedule it asks Yousign for."""

from __future__ import annotations

import pytest

from domain.settings import Settings
from esignature.yousign import reminder_settings


@pytest.mark.parametrize(
    ("environment", "url"),
    [
        ("local", "http://127.0.0.1:8100/v3"),
        ("sandbox", "https://api-sandbox.yousign.app/v3"),
        ("production", "https://api.yousign.app/v3"),
    ],
)
def test_the_environment_picks_the_base_url(environment: str, url: str) -> None:
    settings = Settings(yousign_environment=environment)  # type: ignore[arg-type]
    assert settings.resolved_yousign_base_url == url


def test_an_explicit_base_url_wins() -> None:
    settings = Settings(yousign_environment="production", yousign_base_url="http://x/v3")
    assert settings.resolved_yousign_base_url == "http://x/v3"


@pytest.mark.parametrize(
    ("interval", "count", "expected"),
    [
        (7, 3, {"interval_in_days": 7, "max_occurrences": 3}),
        # Yousign knows 1, 2, 7 and 14 days: never remind more often than the firm asked.
        (3, 2, {"interval_in_days": 2, "max_occurrences": 2}),
        (30, 20, {"interval_in_days": 14, "max_occurrences": 10}),
        (0, 3, None),
        (7, 0, None),
    ],
)
def test_reminder_settings_fit_yousigns_choices(
    interval: int, count: int, expected: dict[str, int] | None
) -> None:
    assert reminder_settings(interval, count) == expected
