"""An async client of the Yousign v3 API subset Sceau uses, and its webhook parser.

It talks to the real Yousign (``https://api-sandbox.yousign.app/v3``,
``https://api.yousign.app/v3``) and to the local stand-in (``python -m signature_provider``)
alike. No Temporal here: activities wrap these calls and turn ``ProviderRejected`` into a
non-retryable failure, ``ProviderUnavailable`` into a retryable one.

Every step is safe to retry: creation looks the ``external_id`` up first (Yousign itself
would create a duplicate), an upload with a filename already present, a signer with an
e-mail already present, activating a request no longer in draft and cancelling one already
canceled all return the existing state instead of failing or duplicating.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Self

import httpx

from contracts.statuses import SignatureEventKind

CANCEL_REASONS = ("contractualization_aborted", "errors_in_document", "other")
SANDBOX_URL = "https://api-sandbox.yousign.app/v3"
PRODUCTION_URL = "https://api.yousign.app/v3"
# The reminder intervals Yousign accepts, in days.
REMINDER_INTERVALS = (1, 2, 7, 14)
KEEPALIVE_SECONDS = 2.0
# The webhook events that move a mission, as the event its workflow receives.
EVENT_KINDS = {
    "signer.done": SignatureEventKind.signer_done,
    "signature_request.done": SignatureEventKind.done,
    "signature_request.declined": SignatureEventKind.declined,
    "signature_request.expired": SignatureEventKind.expired,
    "signature_request.canceled": SignatureEventKind.canceled,
}


@dataclass(frozen=True)
class SignatureField:
    """Where a signer signs: a box on one page of the document, in PDF points from top left."""

    page: int
    x: int
    y: int
    width: int = 180
    height: int = 60


def reminder_settings(interval_days: int, max_occurrences: int) -> dict[str, int] | None:
    """Yousign's ``reminder_settings`` closest to the firm's schedule (None: no reminders).

    Yousign accepts intervals of 1, 2, 7 or 14 days and 1 to 10 reminders: the longest
    accepted interval not above the firm's is taken, so reminders never come more often.
    """
    if interval_days <= 0 or max_occurrences <= 0:
        return None
    interval = max(i for i in REMINDER_INTERVALS if i <= max(interval_days, 1))
    return {"interval_in_days": interval, "max_occurrences": min(max_occurrences, 10)}


class ProviderRejected(Exception):
    """The provider refused the call (4xx): retrying the same call cannot succeed."""

    def __init__(self, message: str, status_code: int, body: Any = None) -> None:
        super().__init__(f"{message} (HTTP {status_code})")
        self.message = message
        self.status_code = status_code
        self.body = body


class ProviderUnavailable(Exception):
    """The provider could not answer (5xx, 408/429, timeout, connection error): retry later."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message if status_code is None else f"{message} (HTTP {status_code})")
        self.message = message
        self.status_code = status_code


class YousignClient:
    """Calls under ``base_url`` (which includes ``/v3``) with ``Authorization: Bearer``.

    Use as ``async with YousignClient(...) as client:``, or call ``aclose()`` when done. One
    client may serve many calls, and concurrent ones: it keeps its connections open between
    them. It never retries by itself; a failed call raises and the caller's retry repeats it.
    """

    def __init__(self, base_url: str, api_key: str, timeout: float = 30) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
            timeout=timeout,
            # An idle connection is dropped before a server's usual keep-alive (5 s for
            # uvicorn) ends it, so that a call rarely meets a connection closing under it.
            limits=httpx.Limits(keepalive_expiry=KEEPALIVE_SECONDS),
        )

    @property
    def closed(self) -> bool:
        return self._http.is_closed

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # ----------------------------------------------------------------- signature requests

    async def create_request(
        self,
        name: str,
        external_id: str,
        expiration_date: str | None = None,
        reminders: dict[str, int] | None = None,
    ) -> dict[str, Any]:
        """The request with ``external_id``, created (draft, delivery by e-mail) if none exists.

        ``expiration_date`` is a ``YYYY-MM-DD`` day; ``reminders`` Yousign's
        ``reminder_settings`` (see ``reminder_settings``), None for none.
        """
        found = await self.find_by_external_id(external_id)
        if found is not None:
            return found
        body: dict[str, Any] = {
            "name": name,
            "delivery_mode": "email",
            "external_id": external_id,
            "timezone": "Europe/Paris",
            "reminder_settings": reminders,
        }
        if expiration_date:
            body["expiration_date"] = expiration_date
        return await self._json("POST", "signature_requests", json=body)

    async def find_by_external_id(self, external_id: str) -> dict[str, Any] | None:
        """The oldest request carrying ``external_id``, or None."""
        matches = await self.with_external_id(external_id)
        return matches[0] if matches else None

    async def with_external_id(self, external_id: str) -> list[dict[str, Any]]:
        """Every request carrying ``external_id``, oldest first."""
        page = await self._json("GET", "signature_requests", params={"external_id": external_id})
        data = page.get("data")
        if not isinstance(data, list):
            raise ProviderUnavailable("unexpected list answer: no data array")
        return [r for r in data if isinstance(r, dict) and r.get("external_id") == external_id]

    async def get(self, request_id: str) -> dict[str, Any]:
        return await self._json("GET", f"signature_requests/{request_id}")

    async def documents(self, request_id: str) -> list[dict[str, Any]]:
        return await self._json_list("GET", f"signature_requests/{request_id}/documents")

    async def upload_document(
        self, request_id: str, filename: str, pdf: bytes, *, look_first: bool = True
    ) -> dict[str, Any]:
        """Add ``pdf`` as the signable document; an upload already made with ``filename`` wins
        (``look_first=False``: the caller knows the request has no document yet)."""
        existing = await self.documents(request_id) if look_first else []
        for document in existing:
            if (
                document.get("filename") == filename
                and document.get("nature") == "signable_document"
            ):
                return document
        return await self._json(
            "POST",
            f"signature_requests/{request_id}/documents",
            files={"file": (filename, pdf, "application/pdf")},
            data={"nature": "signable_document"},
        )

    async def add_signer(
        self,
        request_id: str,
        first_name: str,
        last_name: str,
        email: str,
        phone: str | None,
        *,
        document_id: str | None = None,
        field: SignatureField | None = None,
        signature_level: str = "electronic_signature",
        authentication_mode: str = "no_otp",
        look_first: bool = True,
    ) -> dict[str, Any]:
        """Add a French-speaking signer, signing in ``field`` of ``document_id``; one per
        e-mail address (``look_first=False``: the caller knows this one is not there yet)."""
        existing = await self.signers(request_id) if look_first else []
        for signer in existing:
            known = signer.get("info") or {}
            if str(known.get("email", "")).casefold() == email.casefold():
                return signer
        info: dict[str, Any] = {
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
            "locale": "fr",
        }
        if phone:
            info["phone_number"] = phone
        body: dict[str, Any] = {
            "info": info,
            "signature_level": signature_level,
            "signature_authentication_mode": authentication_mode,
        }
        if document_id is not None and field is not None:
            body["fields"] = [
                {
                    "type": "signature",
                    "document_id": document_id,
                    "page": field.page,
                    "x": field.x,
                    "y": field.y,
                    "width": field.width,
                    "height": field.height,
                }
            ]
        return await self._json("POST", f"signature_requests/{request_id}/signers", json=body)

    async def signers(self, request_id: str) -> list[dict[str, Any]]:
        return await self._json_list("GET", f"signature_requests/{request_id}/signers")

    async def send_reminder(self, request_id: str, signer_id: str) -> None:
        """E-mail a signer who has not signed yet a reminder of the waiting request."""
        await self._send(
            "POST", f"signature_requests/{request_id}/signers/{signer_id}/send_reminder"
        )

    async def activate(self, request_id: str, *, look_first: bool = True) -> dict[str, Any]:
        """Send the request to its signers; a request already activated is returned as is
        (``look_first=False``: the caller knows it is a draft). The answer carries each
        signer's id, status and signing link."""
        if look_first:
            current = await self.get(request_id)
            if current.get("status") != "draft":
                return current
        return await self._json("POST", f"signature_requests/{request_id}/activate")

    async def cancel(self, request_id: str, reason: str) -> dict[str, Any]:
        """Cancel an ongoing request. ``reason`` is one of Yousign's reasons
        (``contractualization_aborted``, ``errors_in_document``, ``other``) or free text, sent as
        ``other`` with that text as the custom note. A request already canceled is returned."""
        current = await self.get(request_id)
        if current.get("status") == "canceled":
            return current
        if reason in CANCEL_REASONS:
            body: dict[str, Any] = {"reason": reason}
        else:
            body = {"reason": "other", "custom_note": reason[:255]}
        return await self._json("POST", f"signature_requests/{request_id}/cancel", json=body)

    async def download_signed(self, request_id: str) -> bytes:
        """The signed PDF of a done request."""
        return await self._pdf(f"signature_requests/{request_id}/documents/download")

    async def download_audit_trail(self, request_id: str) -> bytes:
        """The audit trail PDF of a done request."""
        return await self._pdf(f"signature_requests/{request_id}/audit_trails/download")

    # ----------------------------------------------------------------- plumbing

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise ProviderUnavailable(f"{method} {path}: timed out ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if status < 400:
            return response
        message, body = _error_message(response)
        if status in (408, 429) or status >= 500:
            raise ProviderUnavailable(f"{method} {path}: {message}", status)
        raise ProviderRejected(f"{method} {path}: {message}", status, body)

    async def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = await self._send(method, path, **kwargs)
        try:
            value = response.json()
        except ValueError as exc:
            raise ProviderUnavailable(f"{method} {path}: answer is not JSON") from exc
        if not isinstance(value, dict):
            raise ProviderUnavailable(f"{method} {path}: answer is not a JSON object")
        return value

    async def _json_list(self, method: str, path: str) -> list[dict[str, Any]]:
        response = await self._send(method, path)
        try:
            value = response.json()
        except ValueError as exc:
            raise ProviderUnavailable(f"{method} {path}: answer is not JSON") from exc
        if isinstance(value, dict) and isinstance(value.get("data"), list):
            value = value["data"]
        if not isinstance(value, list):
            raise ProviderUnavailable(f"{method} {path}: answer is not a JSON list")
        return [item for item in value if isinstance(item, dict)]

    async def _pdf(self, path: str) -> bytes:
        response = await self._send("GET", path, headers={"Accept": "application/pdf"})
        content = response.content
        if not content.startswith(b"%PDF"):
            raise ProviderUnavailable(f"GET {path}: answer is not a PDF")
        return content


def _error_message(response: httpx.Response) -> tuple[str, Any]:
    """The provider's own message from an error answer, and the decoded body."""
    try:
        body: Any = response.json()
    except ValueError:
        text = response.text.strip()
        return (text[:300] or response.reason_phrase or "error"), text
    if isinstance(body, dict):
        for key in ("detail", "message", "error", "title"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value, body
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return value["message"], body
    return (response.reason_phrase or "error"), body


# --------------------------------------------------------------------------- webhooks


@dataclass(frozen=True)
class WebhookEvent:
    """What Sceau needs from a Yousign webhook.

    ``signature_request_id`` is None for an event about something other than a signature
    request (``electronic_seal.done``, a kind Yousign adds later): nothing for Sceau to do,
    but to acknowledge it so that Yousign stops retrying.
    """

    event_id: str
    event_name: str
    signature_request_id: str | None
    external_id: str | None
    reason: str | None
    signer_email: str | None
    signature_request_status: str | None = None
    signer_id: str | None = None


def parse_webhook(body: bytes) -> WebhookEvent:
    """Read a Yousign v3 webhook body; ``ValueError`` when it is not one.

    Check the ``X-Yousign-Signature-256`` header (``esignature.webhook_signing.verify``) on the
    raw body before calling this. Fields Sceau does not read are ignored; an event without
    ``data.signature_request`` is returned with ``signature_request_id`` None.
    """
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"webhook body is not JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise ValueError("webhook body is not a JSON object")
    event_id = _required_str(payload, "event_id")
    event_name = _required_str(payload, "event_name")
    data = payload.get("data")
    if not isinstance(data, dict):
        raise ValueError("webhook has no data object")
    request = data.get("signature_request")
    if request is None:
        return WebhookEvent(
            event_id=event_id,
            event_name=event_name,
            signature_request_id=None,
            external_id=None,
            reason=None,
            signer_email=None,
        )
    if not isinstance(request, dict):
        raise ValueError("webhook data.signature_request is not an object")
    request_id = _required_str(request, "id", "data.signature_request.id")

    reason = _optional_str(data.get("reason"))
    decline = request.get("decline_information")
    if reason is None and isinstance(decline, dict):
        reason = _optional_str(decline.get("reason"))

    signer = data.get("signer")
    signer_email: str | None = None
    signer_id: str | None = None
    if isinstance(signer, dict):
        signer_id = _optional_str(signer.get("id"))
        info = signer.get("info")
        if isinstance(info, dict):
            signer_email = _optional_str(info.get("email"))

    return WebhookEvent(
        event_id=event_id,
        event_name=event_name,
        signature_request_id=request_id,
        external_id=_optional_str(request.get("external_id")),
        reason=reason,
        signer_email=signer_email,
        signature_request_status=_optional_str(request.get("status")),
        signer_id=signer_id,
    )


def _required_str(obj: dict[str, Any], key: str, label: str | None = None) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"webhook field {label or key} is missing or not a string")
    return value


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
