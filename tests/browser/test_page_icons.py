"""Every page names its icon (an empty `data:` one): the browser asks no server for
/favicon.ico, so no 404 is logged, and the pages' Content-Security-Policy allows it."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import Visit
from tests.browser.world import mission_with_letter, staff_api
from tests.e2e.stack import Stack


def test_no_page_asks_for_a_missing_favicon(visit: Visit, stack: Stack) -> None:
    page, demo = visit.page, stack.demo
    staff = staff_api(stack)
    client = staff.get(f"/v1/clients/{demo['client_id']}")
    folders = staff.get(f"/v1/clients/{client['id']}/folders")
    shared = next(f["id"] for f in folders if f["shared_with_client"])
    mission = mission_with_letter(stack, staff, client, shared, send=True, sign=False)

    pages = {
        "staff-sign-in": f"{stack.api}/app/sign-in",
        "client-sign-in": f"{stack.api}/client/sign-in",
        "caught-mail": demo["mail_url"],
        "provider-request": f"{stack.provider}/signer/{mission['provider_request_id']}",
    }
    for name, url in pages.items():
        page.goto(url, wait_until="networkidle")
        expect(page.locator("link[rel=icon]")).to_have_attribute("href", "data:,")
        page.wait_for_timeout(500)  # the browser looks for an icon once the page has loaded
        visit.shot(name)
    # The caught mail's newest message, as a person opens it from the list.
    page.goto(demo["mail_url"])
    page.get_by_role("link").nth(1).click()
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    visit.shot("caught-message")

    assert visit.console_errors == []
