"""The 1st of January: N active missions renew in the same minute.

Starts the stack as `make run` does (`sceau run`) on a fresh PostgreSQL database, sets the
demo firm's openings time (`openings_at`) a little ahead of now (long enough to set the
missions up), and brings N missions to `active`, each over the twelve months that end on the
firm's current day: all their work is open, and each renews when the firm's next day begins,
at that openings time. It then measures how long after that instant every mission is renewed
with its new period's first work created exactly once, whether any activity is left failing,
and the history size per mission (the run that ended with the renewal, and the new one). The
last line is JSON.

    .venv/bin/python bench/renewal_storm.py [--missions 50] [--concurrency 4] [--sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import sqlalchemy as sa
from temporalio.client import Client

from bench.lifecycle import database
from domain.period import add_months
from tests.e2e.stack import Api, Stack, running_stack

PARIS = ZoneInfo("Europe/Paris")
# Seconds to set one mission up (letter, signature, activation) at concurrency 1, with room:
# 3.9 s at concurrency 4 on this 2-core machine under a load of 13.
SETUP_SECONDS_PER_MISSION = 12.0


def activate(stack: Stack, staff: Api, folder: str, period: tuple[date, date], i: int) -> str:
    demo = stack.demo
    mission = staff.post(
        "/v1/missions",
        {
            "client_id": demo["client_id"],
            "name": f"Tempête de reconductions {i}",
            "period_start": period[0].isoformat(),
            "period_end": period[1].isoformat(),
            "frequency": "monthly",
            "lines": [{"service_id": sid} for sid in demo["service_ids"].values()],
        },
        expect=201,
    )
    base = f"/v1/missions/{mission['id']}"
    people = {
        "firm_representative_id": demo["staff_id"],
        "client_representative_id": demo["client_representative_id"],
    }
    staff.post(f"{base}/letter", {"template_id": "default", "folder_id": folder, **people}, 201)
    signature = staff.post(f"{base}/signature", expect=202)
    signed = httpx.post(f"{stack.provider}/signer/{signature['provider_request_id']}/sign")
    assert signed.status_code == 200, signed.text
    deadline = time.monotonic() + 300
    while staff.get(base)["status"] != "active":
        if time.monotonic() > deadline:
            raise RuntimeError(f"mission {mission['id']} did not become active")
        time.sleep(0.2)
    return str(mission["id"])


def renewal_counts(engine: sa.Engine, ids: list[str]) -> tuple[int, dict[str, int], int]:
    """Missions renewed; each mission's work of its second period; duplicated work items."""
    renewed = sa.text("SELECT count(*) FROM mission WHERE renewals >= 1 AND id IN :ids")
    second_period = sa.text(
        "SELECT mission_id, count(*) FROM workitem WHERE key LIKE '%:r1:%' GROUP BY mission_id"
    )
    # The same line, title and due date twice for a mission: created more than once.
    duplicates = sa.text(
        "SELECT count(*) FROM (SELECT mission_id, line_id, title, due_date FROM workitem"
        " WHERE line_id IS NOT NULL GROUP BY mission_id, line_id, title, due_date"
        " HAVING count(*) > 1) AS twice"
    )
    with engine.connect() as connection:
        count = connection.execute(
            renewed.bindparams(sa.bindparam("ids", expanding=True)), {"ids": ids}
        ).scalar_one()
        rows = connection.execute(second_period).all()
        twice = connection.execute(duplicates).scalar_one()
    return int(count), {row[0]: int(row[1]) for row in rows}, int(twice)


async def histories(address: str, ids: list[str]) -> tuple[list[int], list[int], int]:
    """Events in each mission's renewed run and its new run; activities left failing."""
    client = await Client.connect(address)
    first_runs: list[int] = []
    new_runs: list[int] = []
    failing = 0
    for mission_id in ids:
        workflow_id = f"mission-{mission_id}"
        runs = [run async for run in client.list_workflows(f'WorkflowId = "{workflow_id}"')]
        for run in runs:
            events = (await client.get_workflow_handle(workflow_id, run_id=run.run_id)
                      .fetch_history()).events  # fmt: skip
            (new_runs if run.status is not None and run.status.name == "RUNNING" else first_runs
             ).append(len(events))  # fmt: skip
        described = await client.get_workflow_handle(workflow_id).describe()
        failing += sum(
            1 for pending in described.raw_description.pending_activities if pending.attempt > 1
        )
    return first_runs, new_runs, failing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--missions", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument(
        "--setup-seconds",
        type=float,
        default=SETUP_SECONDS_PER_MISSION,
        help="time allowed to set one mission up; the renewal instant is set from it",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        data = Path(directory)
        with database(args.sqlite, data) as url, running_stack(data, url) as stack:
            engine = sa.create_engine(url)
            staff = Api(stack.api, stack.demo["staff_token"])
            folders = staff.get(f"/v1/clients/{stack.demo['client_id']}/folders")
            folder = next(f["id"] for f in folders if not f["shared_with_client"])
            # The renewal instant: the firm's next day begins at this minute, in Paris.
            margin = 60 + args.missions * args.setup_seconds / args.concurrency
            at = datetime.now(UTC).astimezone(PARIS) + timedelta(seconds=margin)
            at = at.replace(second=0, microsecond=0) + timedelta(minutes=1)
            with engine.begin() as connection:
                connection.execute(
                    sa.text("UPDATE firm SET openings_at = :at"), {"at": at.strftime("%H:%M")}
                )
            next_day = at.date()
            period = (add_months(next_day, -12), next_day - timedelta(days=1))
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.concurrency) as threads:
                ids = list(
                    threads.map(
                        lambda i: activate(stack, staff, folder, period, i), range(args.missions)
                    )
                )
            setup = time.perf_counter() - started
            wait = (at - datetime.now(UTC)).total_seconds()
            if wait <= 0:
                raise SystemExit(f"set-up took {setup:.0f} s, past the renewal instant {at}")
            print(f"{len(ids)} missions active in {setup:.0f} s; renewal at {at:%H:%M} Paris")
            time.sleep(wait)
            expected: int | None = None
            deadline = time.monotonic() + 900
            while True:
                renewed, second_period, duplicates = renewal_counts(engine, ids)
                if expected is None and second_period:
                    plan = staff.get(f"/v1/missions/{next(iter(second_period))}/plan")
                    expected = sum(
                        1 for item in plan if date.fromisoformat(item["period_start"]) <= next_day
                    )
                done = (
                    renewed == len(ids)
                    and expected is not None
                    and len(second_period) == len(ids)
                    and all(count == expected for count in second_period.values())
                )
                if done or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            seconds = (datetime.now(UTC) - at).total_seconds()
            first_runs, new_runs, failing = asyncio.run(histories(stack.temporal, ids))
    result: dict[str, Any] = {
        "missions": len(ids),
        "renewed": renewed,
        "all_renewed_after_s": round(seconds, 1) if done else None,
        "second_period_items_per_mission": expected,
        "duplicates": duplicates,
        "activities_failing": failing,
        "setup_s": round(setup, 1),
        "history_events_renewed_run": {
            "min": min(first_runs, default=0),
            "median": statistics.median(first_runs) if first_runs else 0,
            "max": max(first_runs, default=0),
        },
        "history_events_new_run": {
            "median": statistics.median(new_runs) if new_runs else 0,
            "max": max(new_runs, default=0),
        },
        "missions_per_minute": (
            round(len(ids) / max(seconds, 1e-9) * 60, 1) if done and seconds > 0 else math.nan
        ),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
