"""No page ships more than 100 KB of JavaScript (issue 16's goal), checked on every template."""

from __future__ import annotations

import pytest

from web.scripts_budget import BUDGET_BYTES, page_scripts, page_templates


def test_every_page_template_is_seen() -> None:
    assert "base.html" in page_templates()
    assert "staff/mission.html" in page_templates()
    # The mission page names its own script and gets htmx from base.html.
    assert set(page_scripts("staff/mission.html")) == {
        "/static/vendor/htmx.min.js",
        "/static/staff/mission-form.js",
    }


@pytest.mark.parametrize("template", page_templates())
def test_a_page_ships_at_most_100_kb_of_javascript(template: str) -> None:
    shipped = page_scripts(template)
    assert sum(shipped.values()) <= BUDGET_BYTES, shipped
