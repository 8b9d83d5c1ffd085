"""The 1st of January: N active missions renew in the same minute.

Starts the stack as `make run` does (`sceau run`) on a fresh PostgreSQL database, sets the
demo firm's openings time (`openings_at`) a little ahead of now (long enough to set the
missions up), and brings N missions to `active`, each over the twelve months that end on the
firm's current day: all their work is open, and each renews when the firm's next day begins,
at that openings time. It then measures how long after that instant every mission is renewed
with its new period's first work created exactly once, whether any activity is left failing,
and the history size per mission (the run that ended with the renewal, and the new one). The
last line is JSON.

Setting a mission up through the API takes seconds (its letter goes through LibreOffice), so
only the first `--real` missions are; the others are copies of the first one, as a run that
continued as new would carry it: its rows (mission, lines, its period's work) copied under new
ids, and its workflow started active with the state such a run carries. Every one of them then
renews as a real one does. The data directory and the database are removed on the way out.

`--temporal-pragma journal_mode=wal --temporal-pragma synchronous=normal` starts Temporal's dev
server here, as `sceau run` would, with those SQLite pragmas (`sceau run` then uses it): its
store was the storm's bottleneck (docs/operations.md, "The 1st of January").

    .venv/bin/python bench/renewal_storm.py [--missions 50] [--real 8] [--concurrency 4]
        [--sqlite] [--workers 1] [--temporal-pragma PRAGMA=VALUE ...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import sqlalchemy as sa
from temporalio.client import Client

from bench.lifecycle import database
from contracts.ids import mission_workflow_id
from contracts.messages import MISSIONS_QUEUE, MissionStart, MissionWorkflowState
from domain.models import new_id
from domain.period import add_months
from domain.settings import Settings
from sceau_cli import temporal_dev_server
from tests.e2e.stack import Api, Stack, free_port, running_stack
from workflows.mission import MissionWorkflow

PARIS = ZoneInfo("Europe/Paris")
# Seconds to set one mission up (letter, signature, activation) at concurrency 1, with room:
# 3.9 s at concurrency 4 on this 2-core machine under a load of 13.
SETUP_SECONDS_PER_MISSION = 12.0
# Seconds to copy one mission and start its workflow, with room (30 took 0.2 s).
COPY_SECONDS_PER_MISSION = 0.05
# Workflows started (or histories read) at once.
TEMPORAL_CALLS_AT_ONCE = 50


@contextmanager
def temporal_server(data: Path, pragmas: list[str]) -> Iterator[dict[str, str]]:
    """With ``pragmas``: the dev server `sceau run` starts, started here with those SQLite
    pragmas (`sceau run` then uses it); the environment that points the stack at it."""
    if not pragmas:
        yield {}
        return
    address = f"127.0.0.1:{free_port()}"
    settings = Settings(data_dir=data, temporal_address=address, temporal_ui_port=free_port())
    command = temporal_dev_server(settings)
    for pragma in pragmas:
        command += ["--sqlite-pragma", pragma]
    with open(data / "temporal.out", "wb") as output:
        server = subprocess.Popen(command, stdout=output, stderr=output)
        try:
            deadline = time.monotonic() + 60
            while not asyncio.run(answers(address)):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((data / "temporal.out").read_text()[-2000:])
                time.sleep(0.5)
            yield {"SCEAU_TEMPORAL_ADDRESS": address}
        finally:
            server.terminate()
            server.wait(timeout=30)


async def answers(address: str) -> bool:
    try:
        await Client.connect(address)
    except RuntimeError:
        return False
    return True


def copy_rows(engine: sa.Engine, template: str, count: int) -> list[tuple[str, dict[str, Any]]]:
    """``count`` copies of the template mission's rows (mission, lines, the work of its
    period), each under new ids; each copy's id and its mission row."""
    with engine.connect() as connection:
        mission = dict(
            connection.execute(sa.text("SELECT * FROM mission WHERE id = :id"), {"id": template})
            .mappings()
            .one()
        )
        lines = [
            dict(row)
            for row in connection.execute(
                sa.text("SELECT * FROM missionline WHERE mission_id = :id"), {"id": template}
            ).mappings()
        ]
        work = [
            dict(row)
            for row in connection.execute(
                sa.text("SELECT * FROM workitem WHERE mission_id = :id"), {"id": template}
            ).mappings()
        ]
    copies: list[tuple[str, dict[str, Any]]] = []
    missions, mission_lines, items = [], [], []
    for i in range(count):
        mission_id = new_id("msn")
        line_ids = {line["id"]: new_id("lin") for line in lines}
        missions.append({**mission, "id": mission_id, "name": f"{mission['name']} (copie {i})"})
        mission_lines += [
            {**line, "id": line_ids[line["id"]], "mission_id": mission_id} for line in lines
        ]
        for item in work:
            if item["line_id"] is None:
                continue
            key = item["key"].replace(template, mission_id, 1)
            key = key.replace(item["line_id"], line_ids[item["line_id"]], 1)
            items.append(
                {
                    **item,
                    "id": new_id("wrk"),
                    "key": key,
                    "mission_id": mission_id,
                    "line_id": line_ids[item["line_id"]],
                }
            )
        copies.append((mission_id, mission))
    with engine.begin() as connection:
        for table, rows in (("mission", missions), ("missionline", mission_lines),
                            ("workitem", items)):  # fmt: skip
            if rows:
                connection.execute(sa.table(table, *map(sa.column, rows[0])).insert(), rows)
    return copies


async def start_copies(
    address: str, copies: list[tuple[str, dict[str, Any]]], seq: int, period_ends_at: datetime
) -> None:
    """Each copy's workflow, active, holding what a run that continued as new carries."""
    client = await Client.connect(address)
    at_once = asyncio.Semaphore(TEMPORAL_CALLS_AT_ONCE)

    async def start(mission_id: str, row: dict[str, Any]) -> None:
        carried = MissionWorkflowState(
            status="active",
            seq=seq,
            period_start=str(row["period_start"]),
            period_end=str(row["period_end"]),
            by_period=True,
            renewal=row["renewal"],
            notice_months=row["notice_months"],
            period_ends_at=period_ends_at,
            runs=2,
        )
        start = MissionStart(mission_id, row["firm_id"], row["client_id"], carried=carried)
        async with at_once:
            await client.start_workflow(
                MissionWorkflow.run,
                start,
                id=mission_workflow_id(mission_id),
                task_queue=MISSIONS_QUEUE,
                memo={"mission_id": mission_id, "firm_id": row["firm_id"]},
            )

    await asyncio.gather(*(start(mission_id, row) for mission_id, row in copies))


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


@dataclass
class Histories:
    # (events, bytes) of each mission's run that ended with the renewal, and of its new run.
    renewed: dict[str, tuple[int, int]] = field(default_factory=dict)
    new: dict[str, tuple[int, int]] = field(default_factory=dict)
    # Activities retrying (attempt > 1) on a mission's running workflow.
    failing: int = 0


async def histories(address: str, ids: list[str]) -> Histories:
    """The history of each mission's runs, and the activities left failing."""
    client = await Client.connect(address)
    found = Histories()
    at_once = asyncio.Semaphore(TEMPORAL_CALLS_AT_ONCE)

    async def one(mission_id: str) -> None:
        workflow_id = mission_workflow_id(mission_id)
        async with at_once:
            # The latest run is the new one; list_workflows may still show a closed run as
            # running for a moment (its visibility lags).
            described = await client.get_workflow_handle(workflow_id).describe()
            runs = [run async for run in client.list_workflows(f'WorkflowId = "{workflow_id}"')]
            for run in runs:
                history = await client.get_workflow_handle(
                    workflow_id, run_id=run.run_id
                ).fetch_history()
                size = sum(event.ByteSize() for event in history.events)
                latest = run.run_id == described.run_id
                (found.new if latest else found.renewed)[mission_id] = (len(history.events), size)
        pending = described.raw_description.pending_activities
        found.failing += sum(1 for activity in pending if activity.attempt > 1)

    await asyncio.gather(*(one(mission_id) for mission_id in ids))
    return found


def spread(ids: list[str], runs: dict[str, tuple[int, int]]) -> dict[str, float]:
    """Median and max of the events and bytes of the runs of ``ids``."""
    events = [runs[mission_id][0] for mission_id in ids if mission_id in runs]
    sizes = [runs[mission_id][1] for mission_id in ids if mission_id in runs]
    if not events:
        return {}
    return {
        "events_median": statistics.median(events),
        "events_max": max(events),
        "bytes_median": statistics.median(sizes),
        "bytes_max": max(sizes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--missions", type=int, default=50)
    parser.add_argument(
        "--real", type=int, default=8, help="missions set up through the API; the rest: copies"
    )
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (SCEAU_WORKERS)")
    parser.add_argument(
        "--temporal-pragma",
        action="append",
        default=[],
        help="a SQLite pragma for Temporal's dev server, e.g. journal_mode=wal (repeatable)",
    )
    parser.add_argument(
        "--setup-seconds",
        type=float,
        default=SETUP_SECONDS_PER_MISSION,
        help="time allowed to set one mission up; the renewal instant is set from it",
    )
    args = parser.parse_args()
    real = max(1, min(args.real, args.missions))
    with tempfile.TemporaryDirectory() as directory:
        data = Path(directory)
        with (
            database(args.sqlite, data) as url,
            temporal_server(data, args.temporal_pragma) as temporal_env,
            running_stack(
                data, url, extra_env={**temporal_env, "SCEAU_WORKERS": str(args.workers)}
            ) as stack,
        ):
            temporal = temporal_env.get("SCEAU_TEMPORAL_ADDRESS", stack.temporal)
            engine = sa.create_engine(url)
            staff = Api(stack.api, stack.demo["staff_token"])
            folders = staff.get(f"/v1/clients/{stack.demo['client_id']}/folders")
            folder = next(f["id"] for f in folders if not f["shared_with_client"])
            # The renewal instant: the firm's next day begins at this minute, in Paris.
            margin = (
                60
                + real * args.setup_seconds / args.concurrency
                + (args.missions - real) * COPY_SECONDS_PER_MISSION
            )
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
                    threads.map(lambda i: activate(stack, staff, folder, period, i), range(real))
                )
            setup = time.perf_counter() - started
            with engine.connect() as connection:
                seq = connection.execute(
                    sa.text("SELECT max(seq) FROM missionevent WHERE mission_id = :id"),
                    {"id": ids[0]},
                ).scalar_one()
            copies = copy_rows(engine, ids[0], args.missions - real)
            asyncio.run(start_copies(temporal, copies, int(seq), at.astimezone(UTC)))
            ids += [mission_id for mission_id, _ in copies]
            copied = time.perf_counter() - started - setup
            wait = (at - datetime.now(UTC)).total_seconds()
            if wait <= 0:
                raise SystemExit(
                    f"set-up took {setup + copied:.0f} s, past the renewal instant {at}"
                )
            print(
                f"{real} missions active through the API in {setup:.0f} s, {len(copies)} copies"
                f" in {copied:.0f} s; renewal at {at:%H:%M} Paris",
                flush=True,
            )
            time.sleep(wait)
            expected: int | None = None
            deadline = time.monotonic() + 900
            renewed_at: dict[int, float] = {}
            while True:
                renewed, second_period, duplicates = renewal_counts(engine, ids)
                if expected is None and second_period:
                    plan = staff.get(f"/v1/missions/{next(iter(second_period))}/plan")
                    expected = sum(
                        1 for item in plan if date.fromisoformat(item["period_start"]) <= next_day
                    )
                complete = sum(1 for count in second_period.values() if count == expected)
                elapsed = (datetime.now(UTC) - at).total_seconds()
                for share in (50, 90):
                    if share not in renewed_at and complete * 100 >= share * len(ids):
                        renewed_at[share] = elapsed
                done = renewed == len(ids) and complete == len(ids)
                if done or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            seconds = (datetime.now(UTC) - at).total_seconds()
            found = asyncio.run(histories(temporal, ids))
    result: dict[str, Any] = {
        "missions": len(ids),
        "through_the_api": real,
        "renewed": renewed,
        "half_renewed_after_s": round(renewed_at[50], 1) if 50 in renewed_at else None,
        "ninety_percent_after_s": round(renewed_at[90], 1) if 90 in renewed_at else None,
        "all_renewed_after_s": round(seconds, 1) if done else None,
        "second_period_items_per_mission": expected,
        "duplicates": duplicates,
        "activities_failing": found.failing,
        "setup_s": round(setup, 1),
        "copies_s": round(copied, 1),
        # The run a real mission renewed at: its letter, signature, activation and a year.
        "history_renewed_run_through_the_api": spread(ids[:real], found.renewed),
        # A copy's renewed run: one period's timers and the renewal (what each later run holds).
        "history_renewed_run_copies": spread(ids[real:], found.renewed),
        "history_new_run": spread(ids, found.new),
        "missions_per_minute": (
            round(len(ids) / max(seconds, 1e-9) * 60, 1) if done and seconds > 0 else math.nan
        ),
        "database": "sqlite" if args.sqlite else "postgresql",
        "workers": args.workers,
        "temporal_pragmas": args.temporal_pragma,
        "load_average": [round(load, 2) for load in os.getloadavg()],
    }
    for name, value in result.items():
        if name != "missions":
            print(f"  {name}: {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
