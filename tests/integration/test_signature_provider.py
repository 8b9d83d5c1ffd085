"""The local signature provider as a real process, driven through YousignClient over HTTP.

The provider runs as ``python -m signature_provider`` in a subprocess; its webhooks go to a
small Starlette app served by uvicorn in a thread.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from pypdf import PdfReader, PdfWriter
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from esignature.webhook_signing import HEADER, verify
from esignature.yousign import (
    ProviderRejected,
    ProviderUnavailable,
    SignatureField,
    WebhookEvent,
    YousignClient,
    parse_webhook,
    reminder_settings,
)
from tests.e2e.stack import free_port

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "provider-test-key"
WEBHOOK_SECRET = "provider-test-webhook-secret"


def make_pdf(pages: int = 2) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595.28, height=841.89)
    writer.add_metadata({"/Title": "Lettre de mission"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- webhook receiver


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def payload(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.body)
        return value

    @property
    def request_id(self) -> str:
        return str(self.payload["data"]["signature_request"]["id"])


class WebhookReceiver:
    """Records every POST to /hook; answers 500 to the next ``fail_next`` ones."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.deliveries: list[Delivery] = []
        self.fail_next = 0
        self._lock = threading.Lock()
        app = Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])
        self._server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    async def _hook(self, request: Request) -> JSONResponse:
        body = await request.body()
        with self._lock:
            status = 500 if self.fail_next > 0 else 200
            self.fail_next = max(0, self.fail_next - 1)
            self.deliveries.append(Delivery(dict(request.headers), body, status))
        return JSONResponse({"ok": status == 200}, status_code=status)

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("webhook receiver did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def accepted(self, request_id: str) -> list[Delivery]:
        with self._lock:
            return [d for d in self.deliveries if d.status == 200 and d.request_id == request_id]

    def attempts(self, request_id: str) -> list[Delivery]:
        with self._lock:
            return [d for d in self.deliveries if d.request_id == request_id]

    async def wait_for(self, request_id: str, count: int, timeout: float = 15.0) -> list[Delivery]:
        """The first ``count`` accepted deliveries for a request, waiting for them."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.accepted(request_id)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                names = [d.payload["event_name"] for d in found]
                raise AssertionError(f"expected {count} webhooks for {request_id}, got {names}")
            await asyncio.sleep(0.05)


# --------------------------------------------------------------------------- provider process


class ProviderProcess:
    def __init__(self, data_dir: Path, webhook_url: str) -> None:
        self.data_dir = data_dir
        self.webhook_url = webhook_url
        self.port = free_port()
        self.root_url = f"http://127.0.0.1:{self.port}"
        self.base_url = f"{self.root_url}/v3"
        self.log_path = data_dir.parent / f"{data_dir.name}-provider.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        command = [
            sys.executable,
            "-m",
            "signature_provider",
            "--port",
            str(self.port),
            "--api-key",
            API_KEY,
            "--webhook-url",
            self.webhook_url,
            "--webhook-secret",
            WEBHOOK_SECRET,
            "--data-dir",
            str(self.data_dir),
            "--webhook-backoff",
            "0.2",
            "--log-level",
            "warning",
        ]
        log = self.log_path.open("ab")
        self._process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + 20
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"provider exited early:\n{self.log_path.read_text()}")
            try:
                if httpx.get(f"{self.root_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"provider did not start:\n{self.log_path.read_text()}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)
        self._process = None

    def client(self, api_key: str = API_KEY, timeout: float = 10) -> YousignClient:
        return YousignClient(self.base_url, api_key, timeout=timeout)


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def provider(
    receiver: WebhookReceiver, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProviderProcess]:
    process = ProviderProcess(tmp_path_factory.mktemp("provider") / "data", receiver.url)
    process.start()
    yield process
    process.stop()


Signers = list[tuple[str, str, str]]
SIGNERS: Signers = [
    ("Émilie", "Dupont-Lefèvre", "emilie.dupont@client.example.fr"),
    ("Marc", "Lœuvre (cabinet)", "marc.loeuvre@cabinet.example.fr"),
]


async def ongoing_request(
    client: YousignClient, external_id: str, signers: Signers = SIGNERS
) -> dict[str, Any]:
    created = await client.create_request("Lettre de mission 2025 — Société Éclair", external_id)
    await client.upload_document(created["id"], "lettre-de-mission.pdf", make_pdf())
    for first, last, email in signers:
        await client.add_signer(created["id"], first, last, email, None)
    return await client.activate(created["id"])


def checked_events(deliveries: list[Delivery]) -> list[WebhookEvent]:
    events = []
    for delivery in deliveries:
        assert verify(WEBHOOK_SECRET, delivery.body, delivery.headers.get(HEADER.lower()))
        payload = delivery.payload
        assert set(payload) >= {
            "event_id",
            "event_name",
            "event_time",
            "subscription_id",
            "sandbox",
            "data",
        }
        assert payload["event_time"].isdigit()
        events.append(parse_webhook(delivery.body))
    return events


# --------------------------------------------------------------------------- tests


async def test_full_signature_flow(provider: ProviderProcess, receiver: WebhookReceiver) -> None:
    original = make_pdf(pages=2)
    async with provider.client() as client:
        created = await client.create_request("Lettre de mission — Société Éclair", "mission-1:v1")
        assert created["status"] == "draft"
        assert created["external_id"] == "mission-1:v1"
        request_id = created["id"]

        document = await client.upload_document(request_id, "lettre.pdf", original)
        assert document["nature"] == "signable_document"
        assert document["filename"] == "lettre.pdf"
        assert document["content_type"] == "application/pdf"

        signer_ids = []
        for first, last, email in SIGNERS:
            signer = await client.add_signer(request_id, first, last, email, "+33612345678")
            assert signer["status"] == "initiated"
            assert signer["info"]["email"] == email
            assert signer["info"]["locale"] == "fr"
            signer_ids.append(signer["id"])

        activated = await client.activate(request_id)
        assert activated["id"] == request_id
        assert activated["status"] == "ongoing"
        assert (await client.get(request_id))["status"] == "ongoing"

        with pytest.raises(ProviderRejected) as not_yet:
            await client.download_signed(request_id)
        assert not_yet.value.status_code == 400

        async with httpx.AsyncClient(base_url=provider.root_url) as signer_side:
            one = await signer_side.post(
                f"/signer/{request_id}/sign", json={"signer_id": signer_ids[0]}
            )
            assert one.status_code == 200, one.text
            assert one.json()["signature_request"]["status"] == "ongoing"
            rest = await signer_side.post(f"/signer/{request_id}/sign")
            assert rest.status_code == 200, rest.text
            assert rest.json()["signed"] == [signer_ids[1]]
            assert rest.json()["signature_request"]["status"] == "done"
            again = await signer_side.post(f"/signer/{request_id}/sign")
            assert again.status_code == 409

        events = checked_events(await receiver.wait_for(request_id, 3))
        assert [e.event_name for e in events] == [
            "signer.done",
            "signer.done",
            "signature_request.done",
        ]
        assert {e.signature_request_id for e in events} == {request_id}
        assert {e.external_id for e in events} == {"mission-1:v1"}
        assert [e.signer_email for e in events[:2]] == [email for _, _, email in SIGNERS]
        assert events[2].signature_request_status == "done"
        assert len({e.event_id for e in events}) == 3

        assert (await client.get(request_id))["status"] == "done"
        signed = await client.download_signed(request_id)
        reader = PdfReader(io.BytesIO(signed))
        assert len(reader.pages) == len(PdfReader(io.BytesIO(original)).pages) + 1
        text = "\n".join(page.extract_text() for page in reader.pages)
        assert "Signé électroniquement" in text
        for first, last, email in SIGNERS:
            assert f"{first} {last}" in text
            assert email in text

        audit = await client.download_audit_trail(request_id)
        audit_text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(audit)).pages)
        assert "signer.done" in audit_text
        assert "signature_request.done" in audit_text


async def test_retried_steps_return_the_same_objects(provider: ProviderProcess) -> None:
    async with provider.client() as client:
        first = await client.create_request("Lettre", "mission-2:v1")
        again = await client.create_request("Lettre", "mission-2:v1")
        assert again["id"] == first["id"]

        pdf = make_pdf()
        doc = await client.upload_document(first["id"], "lettre.pdf", pdf)
        assert (await client.upload_document(first["id"], "lettre.pdf", pdf))["id"] == doc["id"]
        first_name, last_name, email = SIGNERS[0]
        signer = await client.add_signer(first["id"], first_name, last_name, email, None)
        retried = await client.add_signer(first["id"], first_name, last_name, email, None)
        assert retried["id"] == signer["id"]

        activated = await client.activate(first["id"])
        assert (await client.activate(first["id"]))["status"] == activated["status"] == "ongoing"
        current = await client.get(first["id"])
        assert len(current["documents"]) == 1
        assert len(current["signers"]) == 1

    # The provider itself answers a second creation with the same external_id with that one.
    headers = {"Authorization": f"Bearer {API_KEY}"}
    body = {"name": "Lettre", "delivery_mode": "email", "external_id": "mission-2:raw"}
    async with httpx.AsyncClient(base_url=provider.base_url + "/", headers=headers) as raw:
        created = await raw.post("signature_requests", json=body)
        duplicate = await raw.post("signature_requests", json=body)
        assert (created.status_code, duplicate.status_code) == (201, 200)
        assert created.json()["id"] == duplicate.json()["id"]
        listed = await raw.get("signature_requests", params={"external_id": "mission-2:raw"})
        assert [r["id"] for r in listed.json()["data"]] == [created.json()["id"]]


async def test_decline_sends_the_reason(
    provider: ProviderProcess, receiver: WebhookReceiver
) -> None:
    reason = "Les honoraires ne correspondent pas (« devis » du 3 mars)"
    async with provider.client() as client:
        request = await ongoing_request(client, "mission-3:v1")
        async with httpx.AsyncClient(base_url=provider.root_url) as signer_side:
            declined = await signer_side.post(
                f"/signer/{request['id']}/decline", json={"reason": reason}
            )
            assert declined.status_code == 200, declined.text
            late = await signer_side.post(f"/signer/{request['id']}/sign")
            assert late.status_code == 409

        (event,) = checked_events(await receiver.wait_for(request["id"], 1))
        assert event.event_name == "signature_request.declined"
        assert event.reason == reason
        assert event.external_id == "mission-3:v1"
        assert event.signer_email == SIGNERS[0][2]

        current = await client.get(request["id"])
        assert current["status"] == "declined"
        assert current["decline_information"]["reason"] == reason
        with pytest.raises(ProviderRejected):
            await client.download_signed(request["id"])


async def test_cancel_and_expire_send_webhooks(
    provider: ProviderProcess, receiver: WebhookReceiver
) -> None:
    async with provider.client() as client:
        canceled = await ongoing_request(client, "mission-4:v1")
        result = await client.cancel(canceled["id"], "Mission annulée par le cabinet")
        assert result["status"] == "canceled"
        assert (await client.cancel(canceled["id"], "again"))["status"] == "canceled"
        (event,) = checked_events(await receiver.wait_for(canceled["id"], 1))
        assert event.event_name == "signature_request.canceled"
        assert event.reason == "Mission annulée par le cabinet"

        expired = await ongoing_request(client, "mission-5:v1")
        async with httpx.AsyncClient(base_url=provider.root_url) as admin:
            answer = await admin.post(f"/_admin/signature_requests/{expired['id']}/expire")
            assert answer.status_code == 200
        (event,) = checked_events(await receiver.wait_for(expired["id"], 1))
        assert event.event_name == "signature_request.expired"
        assert (await client.get(expired["id"]))["status"] == "expired"


async def test_webhooks_are_retried_with_the_same_body(
    provider: ProviderProcess, receiver: WebhookReceiver
) -> None:
    async with provider.client() as client:
        request = await ongoing_request(client, "mission-6:v1", SIGNERS[:1])
        receiver.fail_next = 2
        async with httpx.AsyncClient(base_url=provider.root_url) as signer_side:
            started = time.monotonic()
            answer = await signer_side.post(f"/signer/{request['id']}/sign")
            assert answer.status_code == 200
            # The signer's answer does not wait for webhook delivery.
            assert time.monotonic() - started < 2

        delivered = await receiver.wait_for(request["id"], 2)
        checked_events(delivered)
        attempts = receiver.attempts(request["id"])
        assert [d.status for d in attempts[:3]] == [500, 500, 200]
        assert attempts[0].body == attempts[1].body == attempts[2].body
        assert [d.payload["event_name"] for d in delivered] == [
            "signer.done",
            "signature_request.done",
        ]


async def test_wrong_api_key_is_rejected(provider: ProviderProcess) -> None:
    async with provider.client(api_key="not-the-key") as client:
        with pytest.raises(ProviderRejected) as error:
            await client.create_request("Lettre", "mission-7:v1")
    assert error.value.status_code == 401
    assert "API key" in str(error.value)
    assert "401" in str(error.value)


async def test_activate_without_document_is_rejected(provider: ProviderProcess) -> None:
    async with provider.client() as client:
        created = await client.create_request("Lettre", "mission-8:v1")
        first, last, email = SIGNERS[0]
        await client.add_signer(created["id"], first, last, email, None)
        with pytest.raises(ProviderRejected) as error:
            await client.activate(created["id"])
        assert error.value.status_code == 400
        assert "document" in error.value.message
        assert (await client.get(created["id"]))["status"] == "draft"

        with pytest.raises(ProviderRejected) as missing:
            await client.get("no-such-request")
        assert missing.value.status_code == 404


async def test_provider_unavailable(provider: ProviderProcess) -> None:
    async with YousignClient(f"http://127.0.0.1:{free_port()}/v3", API_KEY, timeout=2) as nobody:
        with pytest.raises(ProviderUnavailable):
            await nobody.get("anything")

    async with httpx.AsyncClient(base_url=provider.root_url) as admin:
        answer = await admin.post("/_admin/faults", json={"status": 503, "count": 1})
        assert answer.status_code == 200
    async with provider.client() as client:
        with pytest.raises(ProviderUnavailable) as error:
            await client.create_request("Lettre", "mission-9:v1")
        assert error.value.status_code == 503
        # The fault is spent: the retry goes through.
        assert (await client.create_request("Lettre", "mission-9:v1"))["status"] == "draft"

    async with httpx.AsyncClient(base_url=provider.root_url) as admin:
        await admin.post("/_admin/faults", json={"status": 0, "count": 1, "delay": 2})
    async with provider.client(timeout=0.5) as slow:
        with pytest.raises(ProviderUnavailable) as timed_out:
            await slow.get("whatever")
        assert "timed out" in str(timed_out.value)


async def test_restart_keeps_pending_requests_and_webhooks(
    receiver: WebhookReceiver, tmp_path: Path
) -> None:
    # First run: webhooks go nowhere, so the first signer's event stays in the outbox.
    process = ProviderProcess(tmp_path / "data", f"http://127.0.0.1:{free_port()}/hook")
    process.start()
    try:
        async with process.client() as client:
            request = await ongoing_request(client, "mission-10:v1")
        async with httpx.AsyncClient(base_url=process.root_url) as signer_side:
            signer_id = request["signers"][0]["id"]
            answer = await signer_side.post(
                f"/signer/{request['id']}/sign", json={"signer_id": signer_id}
            )
            assert answer.status_code == 200, answer.text
        process.stop()
        assert receiver.attempts(request["id"]) == []

        process.webhook_url = receiver.url
        process.start()
        async with process.client() as client:
            current = await client.get(request["id"])
            assert current["status"] == "ongoing"
            assert [s["status"] for s in current["signers"]] == ["signed", "notified"]
            found = await client.create_request("Lettre", "mission-10:v1")
            assert found["id"] == request["id"]
            async with httpx.AsyncClient(base_url=process.root_url) as signer_side:
                signed = await signer_side.post(f"/signer/{request['id']}/sign")
                assert signed.status_code == 200, signed.text
            events = checked_events(await receiver.wait_for(request["id"], 3))
            assert [e.event_name for e in events] == [
                "signer.done",
                "signer.done",
                "signature_request.done",
            ]
            assert [e.signer_email for e in events[:2]] == [email for _, _, email in SIGNERS]
            assert (await client.download_signed(request["id"])).startswith(b"%PDF")
    finally:
        process.stop()


async def test_schedule_fields_and_reminders_are_checked_like_yousign(
    provider: ProviderProcess,
) -> None:
    in_a_month = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    async with provider.client() as client:
        created = await client.create_request(
            "Lettre",
            "mission-11:v1",
            expiration_date=in_a_month,
            reminders=reminder_settings(7, 3),
        )
        assert created["expiration_date"].startswith(in_a_month)
        assert created["reminder_settings"] == {"interval_in_days": 7, "max_occurrences": 3}
        with pytest.raises(ProviderRejected) as bad_interval:
            await client.create_request(
                "Lettre", "mission-11:v2", reminders={"interval_in_days": 3, "max_occurrences": 1}
            )
        assert bad_interval.value.status_code == 400
        with pytest.raises(ProviderRejected) as past:
            await client.create_request("Lettre", "mission-11:v3", expiration_date="2020-01-01")
        assert "expiration_date" in past.value.message

        document = await client.upload_document(created["id"], "lettre.pdf", make_pdf(2))
        first, last, email = SIGNERS[0]
        with pytest.raises(ProviderRejected) as off_the_page:
            await client.add_signer(
                created["id"],
                first,
                last,
                email,
                None,
                document_id=document["id"],
                field=SignatureField(page=3, x=60, y=640),
            )
        assert "page must be between 1 and 2" in off_the_page.value.message
        signer = await client.add_signer(
            created["id"],
            first,
            last,
            email,
            None,
            document_id=document["id"],
            field=SignatureField(page=2, x=60, y=640),
            authentication_mode="otp_email",
        )
        assert signer["fields"][0]["page"] == 2
        assert signer["signature_authentication_mode"] == "otp_email"
        with pytest.raises(ProviderRejected):
            await client.send_reminder(created["id"], signer["id"])  # still a draft
        await client.activate(created["id"])
        await client.send_reminder(created["id"], signer["id"])
        async with httpx.AsyncClient(base_url=provider.root_url) as signer_side:
            await signer_side.post(f"/signer/{created['id']}/sign")
        with pytest.raises(ProviderRejected) as after_signing:
            await client.send_reminder(created["id"], signer["id"])
        assert after_signing.value.status_code == 400
        audit = await client.download_audit_trail(created["id"])
    assert "signer.reminded" in " ".join(
        PdfReader(io.BytesIO(audit)).pages[0].extract_text().split()
    )
