""" "Aperçu": time from the click to the PDF received, through the whole stack.

Starts Sceau the way `make run` does (Temporal, the worker with its LibreOffice pool, the API;
tests/e2e/stack.py), signs in as the demo staff member through the sign-in page, creates a
mission of three lines, then posts the mission page's "Aperçu" form as the browser does:

- cold: the mission's first preview (rendered and converted);
- warm: ``--rounds`` more clicks on the unchanged mission (the kept preview);
- changed: ``--rounds`` times, "Modifier le prix" on a line then "Aperçu" (rendered again;
  only the preview's own time is counted).

With ``--browser``, Debian's Chromium (Playwright, as tests/browser) also clicks "Aperçu" on
the mission page ``--rounds`` times: from the click to the PDF's last byte in the page's
frame, and to the frame's load event (the PDF handed to the viewer).

p50/p95 per kind are printed, with a JSON line last. The goal is a warm p50 ≤ 400 ms.

    .venv/bin/python bench/preview.py [--rounds 10] [--browser]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/preview_bench]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pages import percentile
from tests.browser.pages import TOKEN, staff_signed_in
from tests.e2e.stack import Api, running_stack

GOAL_MS = 400.0
LINE_FORM = re.compile(r'action="(/app/missions/[^/"]+/lines/[^/"]+/price)"')


def new_mission(staff: Api, demo: dict[str, Any]) -> str:
    year = date.today().year + 1
    services = list(demo["service_ids"].values())
    created = staff.post(
        "/v1/missions",
        {
            "client_id": demo["client_id"],
            "name": f"Mission comptable {year}",
            "period_start": f"{year}-01-01",
            "period_end": f"{year}-12-31",
            "frequency": "monthly",
            "lines": [{"service_id": service} for service in services[:3]],
        },
        expect=201,
    )
    return str(created["id"])


def click_preview(http: httpx.Client, mission_id: str, form: dict[str, str]) -> float:
    """One "Aperçu": milliseconds from the post to the PDF's last byte."""
    started = time.perf_counter()
    answer = http.post(f"/app/missions/{mission_id}/preview", data=form)
    elapsed = (time.perf_counter() - started) * 1000
    if answer.status_code != 200 or not answer.content.startswith(b"%PDF"):
        raise SystemExit(f"preview: {answer.status_code} {answer.text[:300]}")
    return elapsed


def change_a_price(http: httpx.Client, mission_id: str, price: str) -> None:
    page = http.get(f"/app/missions/{mission_id}").text
    action = LINE_FORM.search(page)
    token = TOKEN.search(page)
    assert action and token, "no price form on the mission page"
    answer = http.post(action.group(1), data={"price": price, "csrf_token": token.group(1)})
    if answer.status_code != 303:
        raise SystemExit(f"price: {answer.status_code} {answer.text[:300]}")


def browser_clicks(
    base: str, http: httpx.Client, mission_id: str, rounds: int
) -> tuple[list[float], list[float]]:
    """Chromium clicking "Aperçu": milliseconds to the PDF received, and to the frame loaded."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    received, loaded = [], []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=os.environ.get("SCEAU_CHROMIUM", "/usr/bin/chromium"),
            headless=True,
            chromium_sandbox=False,
            args=["--disable-background-networking", "--disable-dev-shm-usage"],
        )
        # The bench's own probes (below) are evaluated scripts, which the pages' CSP forbids.
        context = browser.new_context(bypass_csp=True)
        context.add_cookies(
            [{"name": name, "value": value, "url": base} for name, value in http.cookies.items()]
        )
        page = context.new_page()
        page.goto(f"{base}/app/missions/{mission_id}")
        button = page.get_by_role("button", name="Aperçu")
        # The frame's load event, as the page sees it; headless Chromium may never fire it
        # for a PDF.
        page.evaluate(
            """() => {
                const frame = document.querySelector('iframe[name="apercu"]');
                frame.addEventListener('load', () => { window.benchLoaded = performance.now(); });
                document.addEventListener('click', () => {
                    window.benchClicked = performance.now();
                    window.benchLoaded = undefined;
                }, true);
            }"""
        )
        for _ in range(rounds + 1):  # the first click warms the viewer
            started = time.perf_counter()
            with page.expect_response(re.compile(r"/preview$"), timeout=60_000) as previewed:
                button.click()
            previewed.value.finished()
            received.append((time.perf_counter() - started) * 1000)
            if previewed.value.status != 200:
                raise SystemExit(f"preview in Chromium: {previewed.value.status}")
            try:
                page.wait_for_function(
                    "window.benchLoaded !== undefined", timeout=5_000, polling=20
                )
                loaded.append(float(page.evaluate("window.benchLoaded - window.benchClicked")))
            except PlaywrightTimeout:
                pass
        browser.close()
    return received[1:], loaded[1:]


async def render_steps(address: str) -> dict[str, list[float]]:
    """Each preview workflow's activities, start to completion, in ms: where a render goes."""
    from temporalio.client import Client

    from bench.lifecycle import activity_times
    from domain.payloads import data_converter

    client = await Client.connect(address, data_converter=data_converter)
    steps: dict[str, list[float]] = {}
    async for run in client.list_workflows("WorkflowType = 'LetterPreviewWorkflow'"):
        history = await activity_times(client, run.id)
        for name, seconds in history.durations.items():
            steps.setdefault(name, []).extend(second * 1000 for second in seconds)
    return steps


def figures(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(values), 1),
        "p95_ms": round(percentile(values, 0.95), 1),
        "n": len(values),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--browser", action="store_true", help="also click in Chromium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sceau_preview_bench_") as data:
        url = args.database_url or f"sqlite:///{Path(data) / 'sceau.db'}"
        with running_stack(Path(data), url) as stack:
            demo = stack.demo
            mission_id = new_mission(Api(stack.api, demo["staff_token"]), demo)
            http = staff_signed_in(stack.api, demo["staff_email"], demo["staff_password"])
            token = TOKEN.search(http.get(f"/app/missions/{mission_id}").text)
            assert token, "no CSRF token on the mission page"
            form = {
                "csrf_token": token.group(1),
                "template_id": "default",
                "firm_representative_id": demo["staff_id"],
                "client_representative_id": demo["client_representative_id"],
            }
            cold = [click_preview(http, mission_id, form)]
            warm = [click_preview(http, mission_id, form) for _ in range(args.rounds)]
            changed = []
            for round_ in range(args.rounds):
                change_a_price(http, mission_id, f"{300 + round_},50")
                changed.append(click_preview(http, mission_id, form))
            # A second new mission's first preview, the stack warm.
            another = new_mission(Api(stack.api, demo["staff_token"]), demo)
            first = [click_preview(http, another, form)]
            summary = {
                "cold": figures(cold),
                "warm": figures(warm),
                "changed": figures(changed),
                "new mission": figures(first),
            }
            steps = asyncio.run(render_steps(stack.temporal))
            for name, values in sorted(steps.items()):
                summary[f"each render: {name}"] = figures(values)
            if args.browser:
                received, loaded = browser_clicks(stack.api, http, mission_id, args.rounds)
                summary["chromium warm, PDF received"] = figures(received)
                if loaded:
                    summary["chromium warm, frame loaded"] = figures(loaded)
    database = url.split(":")[0]
    print(f"Aperçu through the whole stack, {args.rounds} rounds, {database}")
    for kind, numbers in summary.items():
        print(f"  {kind:<28} p50 {numbers['p50_ms']:7.1f} ms  p95 {numbers['p95_ms']:7.1f} ms")
    load = os.getloadavg()[0]
    print(f"load average during the run: {load:.1f} (cores: {os.cpu_count()})")
    print(
        json.dumps(
            {"preview": summary, "goal_warm_p50_ms": GOAL_MS, "load": round(load, 2)},
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
