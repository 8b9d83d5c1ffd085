"""Where the local provider sends its webhooks: recorded, then passed on to Sceau's API.

A test can hold deliveries (answered 200, not passed on) and replay the recorded bytes itself,
as many times and as concurrently as it likes: the provider's own, signed, requests.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from esignature.webhook_signing import HEADER
from tests.e2e.stack import free_port


@dataclass(frozen=True)
class Delivery:
    path: str
    body: bytes
    signature: str

    @property
    def event_name(self) -> str:
        name: str = json.loads(self.body)["event_name"]
        return name

    def send(self, api: str) -> httpx.Response:
        return httpx.post(
            f"{api}{self.path}",
            content=self.body,
            headers={"Content-Type": "application/json", HEADER: self.signature},
            timeout=60,
        )


class WebhookRelay:
    def __init__(self) -> None:
        self.port = free_port()
        self.api = ""
        self.hold = False
        self.deliveries: list[Delivery] = []
        # What the API answered each delivery passed on (held ones are not counted).
        self.answers: list[int] = []
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                delivery = Delivery(self.path, body, self.headers.get(HEADER, ""))
                relay.deliveries.append(delivery)
                status, answer = 200, b'{"status": "held"}'
                if not relay.hold:
                    try:
                        response = delivery.send(relay.api)
                        status, answer = response.status_code, response.content
                    except httpx.HTTPError:
                        status, answer = 502, b'{"status": "api unreachable"}'
                    relay.answers.append(status)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/webhooks/signature/yousign"

    def __enter__(self) -> WebhookRelay:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
