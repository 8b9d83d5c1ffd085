"""A client named like a script shows as that text on every page; nothing runs."""

from __future__ import annotations

import secrets

from playwright.sync_api import expect

from tests.browser.conftest import Visit
from tests.browser.test_client_pages import sign_in_as_client
from tests.browser.world import SCRIPT_NAME, new_client, staff_api
from tests.e2e.stack import Stack

CLIENT_PAGES = [
    ("/client/", "home"),
    ("/client/documents", "documents"),
    ("/client/letters", "letters"),
    ("/client/information-requests", "information-requests"),
    ("/client/service-requests/new", "service-request-form"),
    ("/client/service-requests", "service-requests"),
]


def test_a_client_named_like_a_script_shows_as_that_text(visit: Visit, stack: Stack) -> None:
    email = f"script-{secrets.token_hex(4)}@example.com"
    new_client(staff_api(stack), SCRIPT_NAME, email)
    page = visit.page
    page.add_init_script("window.__ran = []; window.alert = (m) => window.__ran.push(m);")
    sign_in_as_client(visit, stack, email)

    for path, name in CLIENT_PAGES:
        page.goto(path)
        # The name, exactly as entered, in the header of every page.
        expect(page.locator(".account__name")).to_have_text(SCRIPT_NAME)
        visit.shot(name)
        assert page.evaluate("window.__ran") == [], path
        assert page.locator("script:not([src])").count() == 0, path
        # No page ships more than 100 KB of JavaScript (issue 16's budget).
        scripts = page.evaluate(
            "performance.getEntriesByType('resource')"
            ".filter(e => e.initiatorType === 'script').map(e => e.decodedBodySize)"
        )
        # A script the browser kept from an earlier page reports no size: the first page
        # loads each one, so the budget is checked there.
        assert scripts and sum(scripts) < 100_000, (path, scripts)
    page.goto("/client/")
    expect(page.get_by_role("heading", level=1)).to_have_text(SCRIPT_NAME)
    assert visit.dialogs == []
    assert visit.console_errors == []
