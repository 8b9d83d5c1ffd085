"""Server-side render time of the staff's and the client's pages, with 50 missions per client.

The API app is driven in-process (httpx over ASGI: no network, no browser), on a database
filled directly with rows as the workflow leaves them: a firm of ``--clients`` clients, each
with ``--missions`` missions of three lines, their timeline, a letter, a signature request and
their work; the first client has a portal user. Each page is asked ``--rounds`` times once
warm; p50/p95 per page are printed with the SQL statements it ran and the JavaScript it ships
(its <script> files and inline bodies, uncompressed), with a JSON line last. Temporal is not
needed: reading pages never calls it. The client's letters page asks the signature provider
for each signing link; none runs here, so each ask fails at once (the page shows the letter
without its link): its time is Sceau's own, without the provider's.

    .venv/bin/python bench/pages.py [--clients 5] [--missions 50] [--rounds 40]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/pages_bench]
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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GOAL_MS = 50.0
JAVASCRIPT_GOAL_KB = 100.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def fill(clients: int, missions: int) -> tuple[dict[str, str], dict[str, str]]:
    """The firm's rows; returns the staff's and the client's session cookies, and one id of
    each kind."""
    from sqlmodel import Session, select

    from domain.audit import Actor, act_as
    from domain.db import get_engine
    from domain.enums import (
        DocumentKind,
        Frequency,
        MissionStatus,
        ServiceRequestStatus,
        WorkKind,
    )
    from domain.folders import create_client_folders
    from domain.models import (
        Client,
        Document,
        Firm,
        Mission,
        MissionEvent,
        MissionLine,
        PortalUser,
        Representative,
        Service,
        ServiceRequest,
        SignatureRequest,
        Staff,
        WorkItem,
        new_id,
    )
    from web.sessions import open_session

    statuses = list(MissionStatus)
    with Session(get_engine()) as session:
        firm = Firm(
            name="Cabinet Banc & Essai",
            legal_form="SAS",
            siren="123456789",
            address="1 rue du Banc, Paris",
            vat_number="FR00123456789",
            ordre_council="Paris",
        )
        session.add(firm)
        session.flush()
        staff = Staff(
            firm_id=firm.id,
            email="banc@essai.example",
            first_name="Claire",
            last_name="Banc",
            legal_representative=True,
        )
        services = [
            Service(
                firm_id=firm.id,
                code=f"S{n}",
                name=f"Prestation {n}",
                price=Decimal("100") + n,
                frequency=Frequency.monthly,
            )
            for n in range(8)
        ]
        session.add_all([staff, *services])
        session.flush()
        # Each write is audited, as the API's would be: the history tab has rows to show.
        act_as(session, Actor(staff.id, None, firm.id))
        ids: dict[str, str] = {}
        today = datetime.now(UTC).date()
        for c in range(clients):
            client = Client(firm_id=firm.id, name=f"Client {c:03d} & Fils", siren="552100554")
            session.add(client)
            session.flush()
            session.add(
                Representative(client_id=client.id, first_name="Jean", last_name=f"Dupont {c}")
            )
            folders = create_client_folders(session, firm.id, client.id)
            session.flush()
            for m in range(missions):
                status = statuses[m % len(statuses)]
                mission = Mission(
                    id=new_id("mis"),
                    firm_id=firm.id,
                    client_id=client.id,
                    name=f"Mission {m}",
                    period_start=date(2026, 1, 1),
                    period_end=date(2026, 12, 31),
                    frequency=Frequency.monthly,
                    status=status,
                )
                session.add(mission)
                session.flush()
                lines = [
                    MissionLine(
                        id=new_id("line"),
                        mission_id=mission.id,
                        position=p,
                        service_id=services[p].id,
                        code=services[p].code,
                        name=services[p].name,
                        price=services[p].price,
                        frequency=Frequency.monthly,
                    )
                    for p in range(3)
                ]
                session.add_all(lines)
                at = datetime.now(UTC) - timedelta(days=m)
                session.add_all(
                    MissionEvent(
                        mission_id=mission.id, seq=s, status=statuses[s], at=at, by=staff.id
                    )
                    for s in range(5)
                )
                session.add(
                    Document(
                        key=f"letter:{mission.id}:v1",
                        firm_id=firm.id,
                        client_id=client.id,
                        folder_id=folders[m % len(folders)].id,
                        mission_id=mission.id,
                        kind=DocumentKind.letter,
                        name=f"Lettre de mission - Mission {m} - v1.pdf",
                        sha256="0" * 64,
                        size=1000,
                        content_type="application/pdf",
                    )
                )
                session.add(
                    SignatureRequest(
                        mission_id=mission.id,
                        letter_version=1,
                        provider="yousign",
                        provider_request_id=new_id("yr"),
                        status="ongoing",
                        signers=[
                            {
                                "role": "client",
                                "first_name": "Jean",
                                "last_name": "Dupont",
                                "status": "pending",
                                "reminders": 1,
                            },
                            {
                                "role": "firm",
                                "first_name": "Claire",
                                "last_name": "Banc",
                                "status": "signed",
                            },
                        ],
                    )
                )
                session.flush()
                session.add_all(
                    WorkItem(
                        key=f"{mission.id}:{lines[0].id}:{w}",
                        firm_id=firm.id,
                        client_id=client.id,
                        mission_id=mission.id,
                        line_id=lines[0].id,
                        service_id=services[0].id,
                        kind=WorkKind.task if w % 2 else WorkKind.information_request,
                        title=f"Travail {w}",
                        due_date=today + timedelta(days=w - 2),
                    )
                    for w in range(4)
                )
                ids.setdefault("mission", mission.id)
                ids.setdefault("information_request", f"{mission.id}:{lines[0].id}:0")
            request = ServiceRequest(
                firm_id=firm.id,
                client_id=client.id,
                service_ids=[services[0].id, services[1].id],
                status=ServiceRequestStatus.open,
                mission_id=new_id("mis"),
                message="Bonjour",
            )
            session.add(request)
            session.flush()
            ids.setdefault("client", client.id)
            ids.setdefault("request", request.id)
            if c == 0:
                portal_user = PortalUser(
                    firm_id=firm.id, client_id=client.id, email="jean@dupont.example"
                )
                session.add(portal_user)
                session.flush()
        cookies = {
            "staff": open_session(session, firm_id=firm.id, hours=2, staff_id=staff.id),
            "client": open_session(
                session, firm_id=firm.id, hours=2, portal_user_id=portal_user.id
            ),
        }
        ids["information_request"] = session.exec(
            select(WorkItem.id).where(WorkItem.key == ids["information_request"])
        ).one()
        session.commit()
    return cookies, ids


@dataclass
class PageFigures:
    """One page's measures over the rounds."""

    wall_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    javascript_bytes: int = 0


SCRIPT_SRC = re.compile(r'<script[^>]*\bsrc="([^"]+)"')
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)


async def javascript_of(http: Any, html: str, sizes: dict[str, int]) -> int:
    """The bytes of JavaScript a page ships: its script files (as served) and inline bodies."""
    total = sum(len(body.encode()) for body in INLINE_SCRIPT.findall(html))
    for src in SCRIPT_SRC.findall(html):
        if src not in sizes:
            sizes[src] = len((await http.get(src)).content)
        total += sizes[src]
    return total


async def measure(
    cookies: dict[str, str], ids: dict[str, str], rounds: int
) -> dict[str, PageFigures]:
    """Wall time, the process's CPU time and the SQL statements per page: on a shared machine
    the wall time includes waiting for a core, the CPU time does not (requests go one at a
    time)."""
    import httpx
    from sqlalchemy import event

    from api.app import create_app
    from domain.db import get_engine
    from web.sessions import COOKIE

    app = create_app()
    client, mission = ids["client"], ids["mission"]
    staff_pages = {
        "home": "/app/",
        "clients": "/app/clients",
        "clients?q=": "/app/clients?q=client 00",
        "client prestations": f"/app/clients/{client}",
        "client documents": f"/app/clients/{client}/documents",
        "client tasks": f"/app/clients/{client}/tasks",
        "client history": f"/app/clients/{client}/history",
        "request": f"/app/requests/{ids['request']}",
        "mission form": f"/app/clients/{client}/missions/new",
        "mission": f"/app/missions/{mission}",
        "mission live": f"/app/missions/{mission}/live",
        "catalogue": "/app/catalogue",
        "letter templates": "/app/letter-templates",
    }
    client_pages = {
        "portal home": "/client/",
        "portal documents": "/client/documents",
        "portal letters": "/client/letters",
        "portal requests": "/client/information-requests",
        "portal request": f"/client/information-requests/{ids['information_request']}",
        "portal ask form": "/client/service-requests/new",
        "portal asked": "/client/service-requests",
    }
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(get_engine(), "before_cursor_execute", count)
    figures = {name: PageFigures() for name in {**staff_pages, **client_pages}}
    script_sizes: dict[str, int] = {}
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(
            transport=transport, base_url="http://bench", cookies={COOKIE: cookies["staff"]}
        ) as staff,
        httpx.AsyncClient(
            transport=transport, base_url="http://bench", cookies={COOKIE: cookies["client"]}
        ) as portal,
    ):
        visits = [(staff, name, path) for name, path in staff_pages.items()] + [
            (portal, name, path) for name, path in client_pages.items()
        ]
        for round_ in range(rounds + 2):
            for http, name, path in visits:
                statements = 0
                started, cpu_started = time.perf_counter(), time.process_time()
                answer = await http.get(path)
                elapsed = (time.perf_counter() - started) * 1000
                cpu_ms = (time.process_time() - cpu_started) * 1000
                if answer.status_code != 200:
                    raise SystemExit(f"{path}: {answer.status_code} {answer.text[:300]}")
                if round_ >= 2:  # the first two rounds warm templates, caches and pools
                    page = figures[name]
                    page.wall_ms.append(elapsed)
                    page.cpu_ms.append(cpu_ms)
                    page.statements.append(statements)
                elif round_ == 0:
                    figures[name].javascript_bytes = await javascript_of(
                        http, answer.text, script_sizes
                    )
    event.remove(get_engine(), "before_cursor_execute", count)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=5)
    parser.add_argument("--missions", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sceau_pages_bench_") as data:
        url = args.database_url or f"sqlite:///{Path(data) / 'sceau.db'}"
        os.environ["SCEAU_DATA_DIR"] = data
        os.environ["SCEAU_DATABASE_URL"] = url
        from domain.migrate import upgrade

        upgrade(url)
        cookies, ids = fill(args.clients, args.missions)
        measured = asyncio.run(measure(cookies, ids, args.rounds))
    summary = {
        name: {
            "p50_ms": round(statistics.median(page.wall_ms), 1),
            "p95_ms": round(percentile(page.wall_ms, 0.95), 1),
            "cpu_p50_ms": round(statistics.median(page.cpu_ms), 1),
            "cpu_p95_ms": round(percentile(page.cpu_ms, 0.95), 1),
            "sql_statements": max(page.statements),
            "javascript_kb": round(page.javascript_bytes / 1024, 1),
        }
        for name, page in measured.items()
    }
    width = max(len(name) for name in summary)
    database = url.split(":")[0]
    print(f"{args.clients} clients × {args.missions} missions, {args.rounds} rounds, {database}")
    for name, figures in summary.items():
        flag = "" if figures["p95_ms"] <= GOAL_MS else f"  (over {GOAL_MS:g} ms)"
        p50, p95 = figures["p50_ms"], figures["p95_ms"]
        cpu50, cpu95 = figures["cpu_p50_ms"], figures["cpu_p95_ms"]
        sql, js = figures["sql_statements"], figures["javascript_kb"]
        if js > JAVASCRIPT_GOAL_KB:
            flag += f"  (JavaScript over {JAVASCRIPT_GOAL_KB:g} KB)"
        print(
            f"  {name:<{width}}  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms   "
            f"CPU p50 {cpu50:5.1f} ms  p95 {cpu95:5.1f} ms   SQL {sql:3d}   JS {js:5.1f} KB{flag}"
        )
    worst = max(figures["p95_ms"] for figures in summary.values())
    heaviest = max(figures["javascript_kb"] for figures in summary.values())
    load = os.getloadavg()[0]
    print(f"load average during the run: {load:.1f} (cores: {os.cpu_count()})")
    print(
        json.dumps(
            {
                "pages": summary,
                "worst_p95_ms": worst,
                "goal_p95_ms": GOAL_MS,
                "heaviest_javascript_kb": heaviest,
                "goal_javascript_kb": JAVASCRIPT_GOAL_KB,
                "load": load,
            }
        )
    )


if __name__ == "__main__":
    main()
