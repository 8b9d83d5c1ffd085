"""Webhook delivery as Yousign does it: signed JSON POSTs, retried, in order.

Each event is first written to ``outbox/`` (so a restart resumes pending deliveries), then a
single background task POSTs them one after the other to the webhook URL, with the header
``X-Yousign-Signature-256: sha256=<hex HMAC of the raw body>``. A connection error, a timeout
or a non-2xx answer is retried with a doubling backoff; after the last attempt the event is
moved to ``outbox/failed/``. The body (and so ``event_id`` and ``event_time``) is the same on
every attempt; receivers must de-duplicate on ``event_id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from signature_provider.config import ProviderConfig
from signature_provider.signing import SIGNATURE_HEADER, signature_header_value
from signature_provider.store import write_atomic

log = logging.getLogger("signature_provider.webhooks")


class WebhookDispatcher:
    def __init__(self, config: ProviderConfig) -> None:
        self.config = config
        self.outbox = config.data_dir / "outbox"
        self.failed = self.outbox / "failed"
        self.failed.mkdir(parents=True, exist_ok=True)
        self._queue: asyncio.Queue[Path] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._seq = 0

    def build(self, event_name: str, data: dict[str, Any]) -> dict[str, Any]:
        """The payload of an event, in Yousign's v3 shape."""
        return {
            "event_id": str(uuid.uuid4()),
            "event_name": event_name,
            "event_time": str(int(time.time())),
            "subscription_id": self.config.subscription_id,
            "subscription_description": "Sceau local signature provider",
            "sandbox": self.config.sandbox,
            "data": data,
        }

    def enqueue(self, event_name: str, data: dict[str, Any]) -> str:
        """Persist an event and queue it for delivery; returns its ``event_id``.

        Call from the event loop's thread (the app's async handlers).
        """
        payload = self.build(event_name, data)
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        self._seq += 1
        # time_ns then a counter: files sort in the order events were raised.
        path = self.outbox / f"{time.time_ns():020d}-{self._seq:06d}-{payload['event_id']}.json"
        write_atomic(path, body.encode("utf-8"))
        self._queue.put_nowait(path)
        log.info("queued %s for %s", event_name, data.get("signature_request", {}).get("id"))
        return str(payload["event_id"])

    async def start(self) -> None:
        for path in sorted(self.outbox.glob("*.json")):
            self._queue.put_nowait(path)
        self._task = asyncio.create_task(self._run(), name="webhook-dispatcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        async with httpx.AsyncClient(timeout=self.config.webhook_timeout) as client:
            while True:
                path = await self._queue.get()
                try:
                    await self._deliver(client, path)
                except asyncio.CancelledError:
                    raise
                except Exception:  # never let one bad event stop the dispatcher
                    log.exception("webhook %s could not be handled", path.name)
                    self._move_to_failed(path)

    async def _deliver(self, client: httpx.AsyncClient, path: Path) -> None:
        if not path.exists():
            return
        body = path.read_bytes()
        if not self.config.webhook_url:
            log.info("no webhook URL configured; dropping %s", path.name)
            path.unlink(missing_ok=True)
            return
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Sceau-Local-Yousign/1.0",
            SIGNATURE_HEADER: signature_header_value(self.config.webhook_secret, body),
        }
        delay = self.config.webhook_backoff
        attempts = max(1, self.config.webhook_attempts)
        for attempt in range(1, attempts + 1):
            try:
                response = await client.post(self.config.webhook_url, content=body, headers=headers)
                if 200 <= response.status_code < 300:
                    path.unlink(missing_ok=True)
                    log.info("delivered %s (attempt %d)", path.name, attempt)
                    return
                problem = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            log.warning(
                "webhook %s attempt %d/%d failed: %s", path.name, attempt, attempts, problem
            )
            if attempt < attempts:
                await asyncio.sleep(delay)
                delay *= 2
        log.error("webhook %s given up after %d attempts", path.name, attempts)
        self._move_to_failed(path)

    def _move_to_failed(self, path: Path) -> None:
        if path.exists():
            path.replace(self.failed / path.name)
