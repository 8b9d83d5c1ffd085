"""The ``sceau`` command: run everything on one machine, or one part of it."""

from __future__ import annotations

import argparse
import errno
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path

import httpx

from domain.settings import Settings, get_settings
from domain.temporal import (
    SEARCH_ATTRIBUTES,
    TemporalSettingsError,
    connect_options,
    is_remote_temporal,
)
from supervisor import GaveUp, Supervisor

PYTHON = sys.executable
BIN = Path(sys.executable).parent
API_KEEP_ALIVE_SECONDS = 75  # as nginx keeps an idle client connection


def answers(address: str) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=1):
            return True
    except OSError:
        return False


def wait_until(check: object, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise SystemExit(f"{what} did not come up within {seconds:.0f} s")


def api_healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def temporal_dev_server(settings: Settings) -> list[str]:
    host, _, port = settings.temporal_address.rpartition(":")
    command = [
        str(BIN / "temporal"),
        "server",
        "start-dev",
        "--ip",
        host or "127.0.0.1",
        "--port",
        port,
        "--ui-port",
        str(settings.temporal_ui_port),
        "--db-filename",
        str(settings.data_dir / "temporal.db"),
        "--log-level",
        "warn",
        # Temporal's history writes are the 1st of January's bottleneck: in SQLite's default
        # rollback journal with a full sync per transaction, 2,000 renewals took 298 s; in WAL,
        # 77-79 s (docs/operations.md). A crash loses no committed write, a power cut may.
        "--sqlite-pragma",
        "journal_mode=wal",
        "--sqlite-pragma",
        "synchronous=normal",
    ]
    for name, kind in SEARCH_ATTRIBUTES.items():
        command += ["--search-attribute", f"{name}={kind}"]
    return command


def provider_command(settings: Settings) -> list[str]:
    return [
        PYTHON,
        "-m",
        "signature_provider",
        "--host",
        settings.signature_provider_host,
        "--port",
        str(settings.signature_provider_port),
        # The API key and the webhook secret travel in the environment, out of `ps`.
        "--webhook-url",
        settings.resolved_webhook_url,
        "--data-dir",
        str(settings.data_dir / "signature_provider"),
    ]


def mail_catcher_command(settings: Settings) -> list[str]:
    return [
        PYTHON,
        "-m",
        "domain.mail_catcher",
        "--host",
        settings.smtp_host,
        "--port",
        str(settings.smtp_port),
        "--dir",
        str(settings.mail_dir.resolve()),
    ]


def api_command(settings: Settings) -> list[str]:
    return [
        PYTHON,
        "-m",
        "uvicorn",
        "api.app:app",
        # The standard library's loop, whose callbacks domain/loop_watch.py times.
        "--loop",
        "asyncio",
        "--host",
        settings.api_host,
        "--port",
        str(settings.api_port),
        "--log-level",
        "warning",
        # Clients reuse an idle connection for 5 s or more (httpx, browsers, proxies): closing
        # it at uvicorn's default 5 s races with their next request, which then gets no answer.
        "--timeout-keep-alive",
        str(API_KEEP_ALIVE_SECONDS),
    ]


def prepare(settings: Settings) -> None:
    """Data directory, secrets and schema: what every process expects to find."""
    from domain.migrate import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    for name in ("operator_token", "yousign_api_key", "yousign_webhook_secret"):
        settings.secret(name)
    upgrade()


def child_env(settings: Settings) -> dict[str, str]:
    """The environment of Sceau's processes: they share the generated secrets through it."""
    return {
        **os.environ,
        "SCEAU_DATA_DIR": str(settings.data_dir.resolve()),
        "SCEAU_OPERATOR_TOKEN": settings.secret("operator_token"),
        "SCEAU_YOUSIGN_API_KEY": settings.secret("yousign_api_key"),
        "SCEAU_YOUSIGN_WEBHOOK_SECRET": settings.secret("yousign_webhook_secret"),
    }


def worker_env(settings: Settings, index: int) -> dict[str, str]:
    """Worker N's own settings: its metrics port is the configured one + N - 1."""
    if not settings.worker_metrics_port:
        return {}
    return {"SCEAU_WORKER_METRICS_PORT": str(settings.worker_metrics_port + index - 1)}


def ports_to_bind(settings: Settings, *, temporal: bool) -> list[tuple[str, str, int]]:
    """(setting, host, port) of every port `sceau run` binds; with `temporal`, the dev
    server's too."""
    ports = [
        ("SCEAU_API_PORT", settings.api_host, settings.api_port),
        (
            "SCEAU_SIGNATURE_PROVIDER_PORT",
            settings.signature_provider_host,
            settings.signature_provider_port,
        ),
        ("SCEAU_SMTP_PORT", settings.smtp_host, settings.smtp_port),
    ]
    if temporal:
        host, _, port = settings.temporal_address.rpartition(":")
        ports.append(("SCEAU_TEMPORAL_ADDRESS", host or "127.0.0.1", int(port)))
        ports.append(("SCEAU_TEMPORAL_UI_PORT", host or "127.0.0.1", settings.temporal_ui_port))
    if settings.worker_metrics_port:
        for index in range(1, settings.workers + 1):
            name = "SCEAU_WORKER_METRICS_PORT"
            if index > 1:
                name += f" + {index - 1} (worker {index})"
            ports.append(
                (name, settings.worker_metrics_host, settings.worker_metrics_port + index - 1)
            )
    return ports


def can_bind(host: str, port: int) -> OSError | None:
    """None when `host:port` is free to listen on, else the error binding it gave."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        return error
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # As the servers do: a port whose last connections linger in TIME_WAIT is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
            probe.listen(1)
        except OSError as error:
            return error
    return None


def check_ports(settings: Settings, *, temporal: bool) -> None:
    """Refuse to start (exit 1) when a port `sceau run` would bind is taken or given twice."""
    seen: dict[int, str] = {}
    for name, host, port in ports_to_bind(settings, temporal=temporal):
        if not 0 < port < 65536:
            raise SystemExit(f"{name}: port {port} is not a valid port")
        if port in seen:
            raise SystemExit(
                f"{name} and {seen[port]} are both port {port}: give each its own port"
            )
        seen[port] = name
        error = can_bind(host, port)
        if error is None:
            continue
        if error.errno == errno.EADDRINUSE:
            raise SystemExit(
                f"{name}: port {port} on {host} is already in use: is another Sceau running?"
                " Set another port or stop it. Nothing was started."
            )
        raise SystemExit(f"{name}: cannot listen on {host}:{port} ({error}). Nothing was started.")


def dev_server_needed(settings: Settings) -> bool:
    """Start Temporal's dev server: no TLS/API key (a real cluster) and nothing answers."""
    return not is_remote_temporal(settings) and not answers(settings.temporal_address)


class Stopping(SystemExit):
    """SIGINT, SIGTERM or SIGHUP asked `sceau run` to stop."""


def run_all(settings: Settings) -> int:
    try:
        connect_options(settings)  # a missing certificate fails here, before anything starts
    except TemporalSettingsError as error:
        raise SystemExit(str(error)) from None
    start_temporal = dev_server_needed(settings)
    check_ports(settings, temporal=start_temporal)
    prepare(settings)
    supervisor = Supervisor(settings.data_dir, child_env(settings))

    def on_signal(*_: object) -> None:
        if supervisor.hurry:
            return
        if stopping:
            supervisor.hurry = True  # a second Ctrl-C: no more waiting
            print("stopping now", flush=True)
            return
        stopping.append(True)
        raise Stopping(0)

    stopping: list[bool] = []
    # SIGINT too: a shell that starts `make run` in the background makes Python ignore it.
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)
    api_url = f"http://{settings.api_host}:{settings.api_port}"
    try:
        if start_temporal:
            supervisor.start("temporal", temporal_dev_server(settings))
            wait_until(lambda: answers(settings.temporal_address), "the Temporal dev server")
        supervisor.start("mail", mail_catcher_command(settings))
        for index in range(1, settings.workers + 1):
            name = "worker" if settings.workers == 1 else f"worker-{index}"
            supervisor.start(name, [PYTHON, "-m", "worker"], worker_env(settings, index))
        supervisor.start("provider", provider_command(settings))
        # Its /readyz answers 503 until the demo firm below is seeded.
        supervisor.start("api", api_command(settings), {"SCEAU_DEMO": "1"})
        wait_until(lambda: api_healthy(api_url), "the API")
        demo = seed(settings, api_url)
        print_welcome(settings, api_url, demo)
        while True:
            supervisor.check()
            time.sleep(1)
    except GaveUp as error:
        print(error, flush=True)
        return 1
    except Stopping:
        print("stopping Sceau…", flush=True)
        return 0
    finally:
        supervisor.stop_all()


def mail_url(api_url: str) -> str:
    """The API's page of the e-mail the local catcher received (served under `sceau run`)."""
    return f"{api_url}/dev/mail"


def seed(settings: Settings, api_url: str) -> dict[str, object] | None:
    """The demo firm: seeded once (retried), reused by later runs; None when it failed."""
    from domain.demo import describe, ensure_demo, remember, sign_in_keys

    try:
        demo = ensure_demo(
            settings,
            api_url,
            finish=sign_in_keys,
            report=lambda line: print(line, flush=True),
        )
        return remember(settings, demo, mail_url=mail_url(api_url))
    except Exception as error:  # the stack runs on without the demo; say so
        print(
            f"the demo firm could not be seeded ({describe(error)}); Sceau runs without it and"
            f" /readyz answers 503 (see {settings.data_dir}/api.log)",
            flush=True,
        )
        return None


def worker_metrics(settings: Settings) -> str:
    if not settings.worker_metrics_port:
        return ""
    ports = [settings.worker_metrics_port + index for index in range(settings.workers)]
    return ", " + ", ".join(f"http://127.0.0.1:{port}/metrics" for port in ports) + " (workers)"


def print_welcome(settings: Settings, api_url: str, demo: dict[str, object] | None) -> None:
    host = settings.temporal_address.rpartition(":")[0] or "127.0.0.1"
    temporal_ui = f"http://{host}:{settings.temporal_ui_port}"
    if is_remote_temporal(settings):
        temporal_ui = f"your cluster's ({settings.temporal_address})"
    mail = f"{settings.mail_dir}/*.eml"
    print(
        f"""
Sceau is running.
  API                 {api_url}   (docs: {api_url}/docs)
  Temporal Web UI     {temporal_ui}
  Signature provider  http://127.0.0.1:{settings.signature_provider_port}
  E-mail sent         {mail_url(api_url)}   (caught on port {settings.smtp_port}, {mail})
  Logs                {settings.data_dir}/*.log   (JSON lines; SCEAU_LOG_FORMAT=text for plain)
  Metrics             {api_url}/metrics (API){worker_metrics(settings)}
{pages_text(api_url, demo)}{demo_text(settings, demo)}
Ctrl-C stops everything; the data stays in {settings.data_dir}.
""",
        flush=True,
    )


def pages_text(api_url: str, demo: dict[str, object] | None) -> str:
    """Where a person signs in, as the demo firm's staff member or its client."""
    if demo is None or "staff_password" not in demo:
        return ""
    return f"""
Pages (a browser):
  Staff sign-in       {api_url}/app/sign-in
                      e-mail {demo["staff_email"]}   password {demo["staff_password"]}
  Client sign-in      {api_url}/client/sign-in
                      e-mail {demo["portal_email"]} ({demo["client_name"]}); the link arrives
                      in the e-mail sent, {mail_url(api_url)}
"""


def demo_text(settings: Settings, demo: dict[str, object] | None) -> str:
    if demo is None:
        return "\nNo demo firm: its seeding failed (see above).\n"
    return f"""
Demo firm (also in {settings.data_dir}/demo.json):
  export SCEAU=http://{settings.api_host}:{settings.api_port}
  export OPERATOR_TOKEN={settings.secret("operator_token")}
  export ADMIN_TOKEN={demo["admin_token"]}
  export STAFF_TOKEN={demo["staff_token"]}
  export PORTAL_TOKEN={demo["portal_token"]}
  export STAFF_ID={demo["staff_id"]}
  export CLIENT_ID={demo["client_id"]}
  export CLIENT_REP_ID={demo["client_representative_id"]}
  services: {json.dumps(demo["service_ids"])}
  tokens valid until: {demo.get("tokens_expire_at") or "revoked (no expiry)"}
"""


def convert_files(settings: Settings, files: list[Path], outdir: Path) -> int:
    """Convert each file through a warm pool; report each result, fail if any failed."""
    from concurrent.futures import ThreadPoolExecutor

    from activities.letters import new_converter_pool
    from documents.pdf import ConversionError

    outdir.mkdir(parents=True, exist_ok=True)
    failures = 0
    with new_converter_pool(settings) as pool:

        def one(path: Path) -> str:
            started = time.perf_counter()
            try:
                pdf = pool.convert(path, outdir, timeout=settings.conversion_timeout_seconds)
            except ConversionError as error:
                return f"FAILED {path}: {error}"
            return f"{pdf}  ({(time.perf_counter() - started) * 1000:.0f} ms)"

        with ThreadPoolExecutor(max_workers=settings.pdf_pool_size) as threads:
            for line in threads.map(one, files):
                failures += line.startswith("FAILED")
                print(line, flush=True)
    return 1 if failures else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sceau", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "run", help="Temporal, worker, API, signature provider and mail catcher, seeded"
    )
    commands.add_parser("migrate", help="bring the database to the newest schema")
    commands.add_parser("worker", help="run one worker process")
    commands.add_parser("api", help="run the API")
    commands.add_parser("provider", help="run the local signature provider")
    pdf = commands.add_parser("pdf", help="PDF tools").add_subparsers(dest="pdf", required=True)
    convert = pdf.add_parser("convert", help="convert .docx files to PDF/A-2b through the pool")
    convert.add_argument("files", nargs="+", type=Path)
    convert.add_argument("--outdir", type=Path, required=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = get_settings()
    if args.command == "run":
        return run_all(settings)
    if args.command == "pdf":
        return convert_files(settings, args.files, args.outdir)
    if args.command == "migrate":
        prepare(settings)
        return 0
    command = {
        "worker": [PYTHON, "-m", "worker"],
        "api": api_command(settings),
        "provider": provider_command(settings),
    }[args.command]
    os.execve(command[0], command, child_env(settings))


if __name__ == "__main__":
    sys.exit(main())
