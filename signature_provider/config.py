"""Configuration of the local signature provider."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProviderConfig:
    """How the local Yousign stand-in runs.

    ``webhook_url`` empty disables webhook delivery. Events are delivered in order, each up to
    ``webhook_attempts`` times, waiting ``webhook_backoff`` seconds after the first failure and
    twice as long after each following one.
    """

    api_key: str
    webhook_url: str
    webhook_secret: str
    data_dir: Path
    webhook_attempts: int = 5
    webhook_backoff: float = 0.5
    webhook_timeout: float = 10.0
    sandbox: bool = True
    # Fixed so that a restart keeps the same subscription id in payloads.
    subscription_id: str = "7a9f6b3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
