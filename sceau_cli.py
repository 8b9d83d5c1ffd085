"""The ``sceau`` command: run everything on one machine, or one part of it."""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path

import httpx

from domain.settings import Settings, get_settings
from domain.temporal import SEARCH_ATTRIBUTES
from supervisor import GaveUp, Supervisor

PYTHON = sys.executable
BIN = Path(sys.executable).parent


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


def run_all(settings: Settings) -> int:
    prepare(settings)
    supervisor = Supervisor(settings.data_dir, child_env(settings))

    def on_terminate(*_: object) -> None:
        supervisor.stop_all()
        sys.exit(0)

    # SIGINT too: a shell that starts `make run` in the background makes Python ignore it.
    signal.signal(signal.SIGTERM, on_terminate)
    signal.signal(signal.SIGINT, on_terminate)
    api_url = f"http://{settings.api_host}:{settings.api_port}"
    for port in (settings.api_port, settings.signature_provider_port):
        if answers(f"127.0.0.1:{port}"):
            raise SystemExit(f"port {port} is already in use: is Sceau already running?")
    try:
        if not answers(settings.temporal_address):
            supervisor.start("temporal", temporal_dev_server(settings))
            wait_until(lambda: answers(settings.temporal_address), "the Temporal dev server")
        for index in range(1, settings.workers + 1):
            name = "worker" if settings.workers == 1 else f"worker-{index}"
            supervisor.start(name, [PYTHON, "-m", "worker"], worker_env(settings, index))
        supervisor.start("provider", provider_command(settings))
        supervisor.start("api", api_command(settings))
        wait_until(lambda: api_healthy(api_url), "the API")
        demo = seed(settings, api_url)
        print_welcome(settings, api_url, demo)
        while True:
            supervisor.check()
            time.sleep(1)
    except GaveUp as error:
        print(error, flush=True)
        return 1
    finally:
        supervisor.stop_all()


def seed(settings: Settings, api_url: str) -> dict[str, object]:
    """Seed the demo firm once; later runs print the same keys from the data directory."""
    from domain.demo import seed_demo

    path = settings.data_dir / "demo.json"
    if path.exists():
        demo: dict[str, object] = json.loads(path.read_text())
        return demo
    demo = seed_demo(api_url, settings.secret("operator_token"))
    path.write_text(json.dumps(demo, indent=2))
    path.chmod(0o600)
    return demo


def worker_metrics(settings: Settings) -> str:
    if not settings.worker_metrics_port:
        return ""
    ports = [settings.worker_metrics_port + index for index in range(settings.workers)]
    return ", " + ", ".join(f"http://127.0.0.1:{port}/metrics" for port in ports) + " (workers)"


def print_welcome(settings: Settings, api_url: str, demo: dict[str, object]) -> None:
    host = settings.temporal_address.rpartition(":")[0] or "127.0.0.1"
    print(
        f"""
Sceau is running.
  API                 {api_url}   (docs: {api_url}/docs)
  Temporal Web UI     http://{host}:{settings.temporal_ui_port}
  Signature provider  http://127.0.0.1:{settings.signature_provider_port}
  Logs                {settings.data_dir}/*.log   (JSON lines; SCEAU_LOG_FORMAT=text for plain)
  Metrics             {api_url}/metrics (API){worker_metrics(settings)}

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

Ctrl-C stops everything; the data stays in {settings.data_dir}.
""",
        flush=True,
    )


def convert_files(settings: Settings, files: list[Path], outdir: Path) -> int:
    """Convert each file through a warm pool; report each result, fail if any failed."""
    from concurrent.futures import ThreadPoolExecutor

    from activities.letters import new_converter_pool
    from activities.pdf import ConversionError

    outdir.mkdir(parents=True, exist_ok=True)
    failures = 0
    with new_converter_pool() as pool:

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
    commands.add_parser("run", help="Temporal, worker, API and signature provider, seeded")
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
