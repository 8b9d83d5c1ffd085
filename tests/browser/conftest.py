"""A real Chromium (Debian's, /usr/bin/chromium) driven by Playwright against `sceau run`.

Playwright never downloads a browser here: it launches the system's. Each test gets its own
browser context and page; every step's screenshot is kept under
``var/test-artifacts/browser/<test>/`` (``SCEAU_TEST_ARTIFACTS`` to move it), and a failing
test keeps the screenshot of the page as it failed (``failed.png``).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

# Nothing may fetch a browser build, whatever calls Playwright.
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.e2e.stack import Stack, running_stack
from tests.integration.database import fresh_database

CHROMIUM = Path(os.environ.get("SCEAU_CHROMIUM", "/usr/bin/chromium"))
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = (
    Path(os.environ.get("SCEAU_TEST_ARTIFACTS", ROOT / "var" / "test-artifacts")) / "browser"
)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with (
        fresh_database("postgresql") as url,
        running_stack(tmp_path_factory.mktemp("sceau-browser"), url) as running,
    ):
        yield running


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make install` installs Debian's chromium")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        # Root in a container has no user namespace for Chromium's sandbox; no call home.
        chromium_sandbox=False,
        args=["--disable-background-networking", "--disable-dev-shm-usage", "--no-first-run"],
    )
    yield chromium
    chromium.close()


@dataclass
class Visit:
    """A page of one browser context, with what it saw: screenshots, dialogs, console errors."""

    page: Page
    folder: Path
    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    shots: int = 0

    def shot(self, name: str) -> Path:
        """Keep a screenshot of the page as it is now (the test's artefact)."""
        self.shots += 1
        path = self.folder / f"{self.shots:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def _folder(request: pytest.FixtureRequest, suffix: str = "") -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name) + suffix
    folder = ARTIFACTS / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def open_visit(
    browser: Browser, stack: Stack, request: pytest.FixtureRequest, suffix: str = ""
) -> tuple[Visit, Any]:
    context = browser.new_context(
        base_url=stack.api, locale="fr-FR", viewport={"width": 1280, "height": 860}
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    visit = Visit(page, _folder(request, suffix))

    def on_dialog(dialog: Any) -> None:
        visit.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on(
        "console",
        lambda message: (
            visit.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    return visit, context


def close_visit(visit: Visit, context: Any, request: pytest.FixtureRequest) -> None:
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        # The page may be gone; the earlier steps' screenshots stay either way.
        with contextlib.suppress(Exception):
            visit.page.screenshot(path=str(visit.folder / "failed.png"), full_page=True)
    context.close()


@pytest.fixture
def visit(browser: Browser, stack: Stack, request: pytest.FixtureRequest) -> Iterator[Visit]:
    """A fresh browser context (no cookies) and its page."""
    current, context = open_visit(browser, stack, request)
    yield current
    close_visit(current, context, request)


@pytest.fixture
def second_visit(browser: Browser, stack: Stack, request: pytest.FixtureRequest) -> Iterator[Visit]:
    """Another person's browser: a second context beside ``visit``."""
    current, context = open_visit(browser, stack, request, "-second")
    yield current
    close_visit(current, context, request)
