"""A busy Monday morning: several firms' staff and clients on the API at once.

N virtual users (default 50) share several firms for a fixed time (default 120 s). Portal
clients ask for services and read their documents and information requests; staff read
missions, tasks, service requests, clients and documents, add catalogue services and clients,
create missions (from the clients' requests or from scratch), change mission lines, and now and
then preview or generate a letter (these render and convert documents, so they are rarer).
Each user loops: one request, a short think time, the next. It prints requests per second,
p50/p95/p99 per route template (`GET /v1/missions/{id}`, not raw paths), the errors (any
unexpected status, or no answer) and the 5xx among them; the last line is JSON. The exit
status is 1 when there was any error.

It runs against a stack already running (`make run`: its tokens are read from the data
directory's demo.json and secrets/operator_token), or starts one itself with --start the way
the end-to-end tests do (`sceau run` on free ports), on SQLite unless --database-url names a
PostgreSQL database. As operator it creates the extra firms, each with a partner, the demo
catalogue, clients with their portal users, and a mission per client; none of that is timed.

Why asyncio + httpx and not Locust: one process and no new dependency, and the bodies are the
API's own request shapes (domain/demo.py's firm, partner, catalogue and client; the missions
and letters of tests/e2e), so the benchmark breaks when the API changes, not silently.
Only loopback addresses are accepted: this is a benchmark for one's own machine.

    .venv/bin/python bench/load.py [--users 50] [--seconds 120] [--firms 4] [--think 0.5]
        [--api http://127.0.0.1:8000 --data-dir var | --start [--database-url URL]]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from bench.load_setup import (
    REQUEST_TIMEOUT,
    Caller,
    Firm,
    FirmClient,
    MissionRef,
    Recorder,
    RouteStats,
    letter_body,
    mission_body,
    set_up,
)
from domain.demo import CLIENT, SERVICES
from tests.e2e.stack import running_stack

# A quarter of the users are clients on the portal, the rest firm staff.
PORTAL_SHARE = 0.25


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# --- what the users do ---------------------------------------------------------------------


@dataclass
class User:
    caller: Caller
    firm: Firm
    rng: random.Random
    client: FirmClient
    # The missions this user created: only they are edited by it, so that two users never
    # race on one mission's lines or letters.
    own: list[MissionRef] = field(default_factory=list)

    def any_mission(self) -> MissionRef:
        return self.rng.choice(self.firm.missions)

    def any_client(self) -> FirmClient:
        return self.rng.choice(self.firm.clients)


Action = Callable[[User], Awaitable[None]]


async def ask_for_services(user: User) -> None:
    chosen = user.rng.sample(user.firm.service_ids, user.rng.randint(1, 3))
    body = {"service_ids": chosen, "message": "Bonjour, pouvez-vous nous faire une offre ?"}
    request = await user.caller.call("POST", "/v1/portal/service-requests", 201, body)
    if request is not None:
        user.firm.open_requests.append((request["id"], user.client, chosen))


async def portal_documents(user: User) -> None:
    await user.caller.call("GET", "/v1/portal/documents")


async def portal_information_requests(user: User) -> None:
    await user.caller.call("GET", "/v1/portal/information-requests")


async def list_missions(user: User) -> None:
    await user.caller.call("GET", "/v1/missions", client_id=user.any_client().id)


async def get_mission(user: User) -> None:
    await user.caller.call("GET", "/v1/missions/{id}", id=user.any_mission().id)


async def list_tasks(user: User) -> None:
    await user.caller.call("GET", "/v1/tasks", mission_id=user.any_mission().id)


async def list_service_requests(user: User) -> None:
    await user.caller.call("GET", "/v1/service-requests")


async def list_documents(user: User) -> None:
    await user.caller.call("GET", "/v1/clients/{id}/documents", id=user.any_client().id)


async def get_document(user: User) -> None:
    await user.caller.call("GET", "/v1/documents/{id}", id=user.rng.choice(user.firm.documents))


async def document_content(user: User) -> None:
    document = user.rng.choice(user.firm.documents)
    await user.caller.call("GET", "/v1/documents/{id}/content", id=document)


async def list_services(user: User) -> None:
    await user.caller.call("GET", "/v1/services")


async def list_clients(user: User) -> None:
    await user.caller.call("GET", "/v1/clients")


async def create_service(user: User) -> None:
    body = {**user.rng.choice(SERVICES), "code": f"S{uuid.uuid4().hex[:10].upper()}"}
    await user.caller.call("POST", "/v1/services", 201, body)


async def create_client(user: User) -> None:
    body = {**CLIENT, "name": f"Nouveau client {uuid.uuid4().hex[:6]}"}
    await user.caller.call("POST", "/v1/clients", 201, body)


async def create_mission(user: User) -> None:
    """From a client's open request when there is one, else from scratch."""
    firm = user.firm
    if firm.open_requests:
        request_id, client, service_ids = firm.open_requests.pop(0)
        body = mission_body(client, service_ids, "Mission demandée")
        body["service_request_id"] = request_id
    else:
        client = user.any_client()
        count = user.rng.randint(1, len(firm.service_ids))
        body = mission_body(client, user.rng.sample(firm.service_ids, count), "Mission 2027")
    mission = await user.caller.call("POST", "/v1/missions", 201, body)
    if mission is not None:
        created = MissionRef(mission["id"], client, [line["id"] for line in mission["lines"]])
        user.own.append(created)
        firm.missions.append(created)


async def own_mission(user: User) -> MissionRef | None:
    if not user.own:
        await create_mission(user)
    return user.rng.choice(user.own) if user.own else None


async def change_line(user: User) -> None:
    mission = await own_mission(user)
    if mission is None:
        return
    price = f"{user.rng.randint(50, 400)}.00"
    await user.caller.call(
        "PATCH",
        "/v1/missions/{id}/lines/{line_id}",
        body={"price": price},
        id=mission.id,
        line_id=user.rng.choice(mission.line_ids),
    )


async def preview_letter(user: User) -> None:
    mission = await own_mission(user)
    if mission is None:
        return
    body = letter_body(user.firm, mission, folder=False)
    await user.caller.call("POST", "/v1/missions/{id}/letter/preview", body=body, id=mission.id)


async def generate_letter(user: User) -> None:
    mission = await own_mission(user)
    if mission is None:
        return
    body = letter_body(user.firm, mission, folder=True)
    letter = await user.caller.call("POST", "/v1/missions/{id}/letter", 201, body, id=mission.id)
    if letter is not None:
        user.firm.documents.append(letter["document_id"])


# Relative weights: mostly reading, some writing, few documents rendered.
PORTAL_ACTIONS: dict[Action, int] = {
    ask_for_services: 4,
    portal_documents: 4,
    portal_information_requests: 3,
}
STAFF_ACTIONS: dict[Action, int] = {
    get_mission: 20,
    list_missions: 10,
    list_tasks: 8,
    list_documents: 8,
    get_document: 4,
    document_content: 2,
    list_service_requests: 4,
    list_services: 5,
    list_clients: 4,
    create_service: 2,
    create_client: 2,
    create_mission: 6,
    change_line: 8,
    preview_letter: 1,
    generate_letter: 1,
}
# `--mix writes`: staff only adding clients and services, plain database writes that no
# workflow waits on — how many writes a second the database itself holds.
WRITE_ACTIONS: dict[Action, int] = {create_client: 1, create_service: 1}


async def run_user(user: User, actions: dict[Action, int], think: float, until: float) -> None:
    choices, weights = list(actions), list(actions.values())
    while time.monotonic() < until:
        action = user.rng.choices(choices, weights)[0]
        await action(user)
        pause = user.rng.uniform(0.5 * think, 1.5 * think)
        await asyncio.sleep(max(0.0, min(pause, until - time.monotonic())))


def users_for(
    connection: Callable[[], httpx.AsyncClient],
    firms: list[Firm],
    recorder: Recorder,
    args: argparse.Namespace,
) -> Iterator[tuple[User, dict[Action, int]]]:
    """Users spread over the firms round-robin; a quarter of them portal clients."""
    count, seed = args.users, args.seed
    portal_every = round(1 / PORTAL_SHARE) if args.mix == "monday" else count + 1
    staff_actions = STAFF_ACTIONS if args.mix == "monday" else WRITE_ACTIONS
    for index in range(count):
        firm = firms[index % len(firms)]
        rng = random.Random(seed + index)
        client = rng.choice(firm.clients)
        if index % portal_every == portal_every - 1:
            caller = Caller(connection(), client.portal_token, recorder)
            yield User(caller, firm, rng, client), PORTAL_ACTIONS
        else:
            caller = Caller(connection(), firm.staff_token, recorder)
            yield User(caller, firm, rng, client), staff_actions


async def load(
    api: str, demo: dict[str, Any], operator_token: str, args: argparse.Namespace
) -> tuple[Recorder, float]:
    async with contextlib.AsyncExitStack() as stack:

        def connection() -> httpx.AsyncClient:
            # Each user on their own connection, as each person has their own browser: one
            # pool shared by all would scan every connection on each request (httpcore), and
            # the benchmark's own CPU would be taken from the server it measures.
            client = httpx.AsyncClient(base_url=api, timeout=REQUEST_TIMEOUT)
            stack.push_async_callback(client.aclose)
            return client

        firms = await set_up(connection(), demo, operator_token, args)
        recorder = Recorder()
        started = time.monotonic()
        until = started + args.seconds
        users = [
            asyncio.create_task(run_user(user, actions, args.think, until))
            for user, actions in users_for(connection, firms, recorder, args)
        ]
        # In-flight requests may finish after the end, but never later than their timeout.
        _, late = await asyncio.wait(users, timeout=args.seconds + REQUEST_TIMEOUT + 5)
        for task in late:
            task.cancel()
        return recorder, time.monotonic() - started


# --- the stack and the report --------------------------------------------------------------


def loopback_only(url: str) -> str:
    host = urlsplit(url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise SystemExit(f"{url}: only loopback addresses (127.0.0.1, ::1, localhost)")
    return url.rstrip("/")


@contextmanager
def target(args: argparse.Namespace) -> Iterator[tuple[str, dict[str, Any], str]]:
    """The API's address, demo.json's keys and the operator token: of the stack started
    here with --start, else of the one already running on --api with --data-dir."""
    if not args.start:
        data = Path(args.data_dir)
        demo = json.loads((data / "demo.json").read_text())
        yield args.api, demo, (data / "secrets" / "operator_token").read_text().strip()
        return
    with tempfile.TemporaryDirectory() as directory:
        data = Path(directory)
        url = args.database_url or f"sqlite:///{data / 'sceau.db'}"
        with running_stack(data, url) as stack:
            yield stack.api, stack.demo, stack.secret("operator_token")


def route_figures(stats: RouteStats) -> dict[str, Any]:
    milliseconds = [seconds * 1000 for seconds in stats.seconds]
    return {
        "count": len(milliseconds),
        "errors": stats.errors,
        "server_errors": stats.server_errors,
        "p50_ms": round(percentile(milliseconds, 0.50), 1),
        "p95_ms": round(percentile(milliseconds, 0.95), 1),
        "p99_ms": round(percentile(milliseconds, 0.99), 1),
    }


def report(args: argparse.Namespace, recorder: Recorder, seconds: float) -> dict[str, Any]:
    routes = {route: route_figures(recorder.routes[route]) for route in sorted(recorder.routes)}
    errors = sum(figures["errors"] for figures in routes.values())
    server_errors = sum(figures["server_errors"] for figures in routes.values())
    rps = recorder.requests / seconds
    print(f"{args.users} users in {args.firms} firms, {seconds:.1f} s")
    heading = ("count", "err", "5xx", "p50 ms", "p95 ms", "p99 ms")
    print(f"  {'route':44} {heading[0]:>6} {heading[1]:>5} {heading[2]:>5}", end="")
    print("".join(f" {name:>8}" for name in heading[3:]))
    for route, figures in routes.items():
        print(
            f"  {route:44} {figures['count']:6} {figures['errors']:5} "
            f"{figures['server_errors']:5} {figures['p50_ms']:8.1f} {figures['p95_ms']:8.1f} "
            f"{figures['p99_ms']:8.1f}"
        )
    print(f"requests: {recorder.requests}, {rps:.1f} per second")
    print(f"errors: {errors}, of which 5xx: {server_errors}")
    # The 5xx first: they are the API's own failures; then the commonest of the rest.
    causes = sorted(recorder.causes.items(), key=lambda item: (item[0][1] < 500, -item[1]))
    for (route, status, cause), count in causes[:12]:
        print(f"  ×{count:<5} {route} → {status or 'no answer'}: {cause}")
    return {
        "users": args.users,
        "mix": args.mix,
        "seconds": round(seconds, 1),
        "rps": round(rps, 1),
        "errors": errors,
        "server_errors": server_errors,
        "routes": routes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50, help="concurrent virtual users")
    parser.add_argument("--seconds", type=float, default=120, help="how long the load lasts")
    parser.add_argument("--firms", type=int, default=4, help="firms, the demo firm among them")
    parser.add_argument("--clients", type=int, default=3, help="clients per firm created here")
    parser.add_argument("--think", type=float, default=0.5, help="mean pause between requests")
    parser.add_argument("--seed", type=int, default=1, help="seed of the users' choices")
    parser.add_argument(
        "--mix",
        choices=["monday", "writes"],
        default="monday",
        help="monday: the realistic mix; writes: staff adding clients and services only",
    )
    parser.add_argument("--api", default="http://127.0.0.1:8000", help="a running stack's API")
    parser.add_argument("--data-dir", default="var", help="its data directory (SCEAU_DATA_DIR)")
    parser.add_argument("--start", action="store_true", help="start a stack here (sceau run)")
    parser.add_argument("--database-url", default="", help="with --start; default: SQLite")
    args = parser.parse_args()
    if not (1 <= args.users <= 1000 and 0 < args.seconds <= 3600 and 1 <= args.firms <= 50):
        raise SystemExit("--users 1..1000, --seconds up to 3600, --firms 1..50")
    if args.database_url and not args.start:
        raise SystemExit("--database-url goes with --start")
    loopback_only(args.api if not args.start else args.database_url or "http://127.0.0.1")
    with target(args) as (api, demo, operator_token):
        recorder, seconds = asyncio.run(load(loopback_only(api), demo, operator_token, args))
    result = report(args, recorder, seconds)
    print(json.dumps(result))
    sys.exit(1 if result["errors"] else 0)


if __name__ == "__main__":
    main()
