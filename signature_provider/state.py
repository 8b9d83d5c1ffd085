"""The provider's state, held on ``app.state.provider`` and handed to routes as a dependency.

All handlers are ``async`` and never await between reading and writing a request, so state
changes are atomic on the single event loop without locks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from signature_provider.config import ProviderConfig
from signature_provider.errors import conflict, not_found
from signature_provider.store import ONGOING, SignatureRequest, Store
from signature_provider.webhooks import WebhookDispatcher


@dataclass
class Fault:
    """An injected fault: the next ``remaining`` /v3 calls wait ``delay`` s, then fail."""

    status: int
    remaining: int
    delay: float


@dataclass
class ProviderState:
    config: ProviderConfig
    store: Store
    dispatcher: WebhookDispatcher
    faults: list[Fault] = field(default_factory=list)

    @classmethod
    def open(cls, config: ProviderConfig) -> ProviderState:
        """The state kept under ``config.data_dir`` (created if missing)."""
        config.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(config, Store(config.data_dir), WebhookDispatcher(config))

    def load(self, request_id: str) -> SignatureRequest:
        request = self.store.get(request_id)
        if request is None:
            raise not_found("Signature Request")
        return request

    def load_ongoing(self, request_id: str) -> SignatureRequest:
        """A request the signer's side (or the expiry control) may act on; 409 otherwise."""
        request = self.load(request_id)
        if request.status != ONGOING:
            raise conflict(f"The Signature Request is {request.status}, not ongoing.")
        return request

    def next_fault(self) -> Fault | None:
        """The fault the current call takes, counted off the queue."""
        if not self.faults:
            return None
        fault = self.faults[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            self.faults.pop(0)
        return fault


async def provider_state(http: Request) -> ProviderState:
    state = http.app.state.provider
    assert isinstance(state, ProviderState)
    return state


State = Annotated[ProviderState, Depends(provider_state)]


def base_url(http: Request) -> str:
    """The provider's own root URL, for the signers' links."""
    return str(http.base_url)
