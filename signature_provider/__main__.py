"""Run the local signature provider under uvicorn.

    python -m signature_provider --port 8100 --api-key K --webhook-url U \\
        --webhook-secret S --data-dir D

Each option falls back to an environment variable (shown in ``--help``), so ``make run`` can
pass Sceau's settings through the environment.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from signature_provider.app import create_app
from signature_provider.config import ProviderConfig


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m signature_provider",
        description="Local stand-in for the Yousign v3 API (development and tests).",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(_env("SCEAU_SIGNATURE_PROVIDER_PORT", "8100")),
        help="port (env SCEAU_SIGNATURE_PROVIDER_PORT, default 8100)",
    )
    parser.add_argument(
        "--api-key",
        default=_env("SCEAU_YOUSIGN_API_KEY"),
        help="Bearer key required on /v3 (env SCEAU_YOUSIGN_API_KEY)",
    )
    parser.add_argument(
        "--webhook-url",
        default=_env("SCEAU_WEBHOOK_URL"),
        help="where events are POSTed; empty disables webhooks (env SCEAU_WEBHOOK_URL)",
    )
    parser.add_argument(
        "--webhook-secret",
        default=_env("SCEAU_YOUSIGN_WEBHOOK_SECRET"),
        help="HMAC key of X-Yousign-Signature-256 (env SCEAU_YOUSIGN_WEBHOOK_SECRET)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(_env("SCEAU_DATA_DIR", "var")) / "signature_provider",
        help="state directory (default $SCEAU_DATA_DIR/signature_provider)",
    )
    parser.add_argument(
        "--webhook-attempts", type=int, default=5, help="deliveries tried per event (default 5)"
    )
    parser.add_argument(
        "--webhook-backoff",
        type=float,
        default=0.5,
        help="seconds before the first retry, doubled each time (default 0.5)",
    )
    parser.add_argument("--log-level", default="info", help="uvicorn log level (default info)")
    args = parser.parse_args(argv)
    if not args.api_key:
        parser.error("--api-key (or SCEAU_YOUSIGN_API_KEY) is required")
    if args.webhook_url and not args.webhook_secret:
        parser.error("--webhook-secret (or SCEAU_YOUSIGN_WEBHOOK_SECRET) is required")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    config = ProviderConfig(
        api_key=args.api_key,
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
        data_dir=args.data_dir,
        webhook_attempts=args.webhook_attempts,
        webhook_backoff=args.webhook_backoff,
    )
    uvicorn.run(create_app(config), host=args.host, port=args.port, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
