"""Settings read from the environment (prefix ``SCEAU_``); every one has a one-machine default."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCEAU_", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str = ""
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_ui_port: int = 8233
    operator_token: str = ""
    # Days a newly issued staff, admin or portal token stays valid (0: until revoked).
    token_days: int = Field(default=90, ge=0, le=3650)
    yousign_base_url: str = ""
    # Which Yousign to call when no base URL is given: the local stand-in, or Yousign's own.
    yousign_environment: Literal["local", "sandbox", "production"] = "local"
    yousign_signature_level: Literal[
        "electronic_signature", "advanced_electronic_signature", "qualified_electronic_signature"
    ] = "electronic_signature"
    yousign_authentication_mode: Literal["no_otp", "otp_email", "otp_sms"] = "otp_email"
    # Each call to the provider; a call that takes longer is retried by the activity's policy.
    yousign_timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    yousign_api_key: str = ""
    yousign_webhook_secret: str = ""
    signature_provider_port: int = 8100
    signature_provider_host: str = "127.0.0.1"
    # Where the local provider delivers its webhooks; Sceau's own API by default.
    webhook_url: str = ""
    # Worker processes `sceau run` starts; they share the task queues.
    workers: int = Field(default=1, ge=1, le=16)
    soffice_path: str = "soffice"
    conversion_timeout_seconds: float = 120.0
    # Warm LibreOffice processes per worker (each ~190 MiB), driven from Debian's Python.
    pdf_pool_size: int = 2
    pdf_pool_python: str = "/usr/bin/python3"
    pdf_pool_max_conversions: int = 200
    pdf_pool_max_waiting: int = 64
    # How long a letter waits for signatures before the mission expires.
    signature_expiry_days: int = Field(default=30, ge=1, le=365)
    # Reminders to the signers who have not signed: every N days after sending, at most M.
    signature_reminder_interval_days: int = Field(default=7, ge=0, le=90)
    signature_reminder_max: int = Field(default=3, ge=0, le=10)
    # Who e-mails the reminders: Sceau's own timers (through the provider's reminder call), or
    # the provider on its own schedule (Yousign's reminder_settings).
    signature_reminders_by: Literal["sceau", "provider"] = "sceau"
    # Ask the provider for a request's status after this long without any webhook (0: never).
    signature_poll_after_hours: int = Field(default=24, ge=0, le=24 * 30)
    # Largest letter template a firm may upload, and largest file a client may send.
    template_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    upload_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    # Which task queues `sceau worker` polls (comma-separated): split them to scale the
    # documents worker (LibreOffice) apart from the missions worker.
    worker_queues: str = "missions,documents"
    # Logs: JSON lines (request_id, mission_id, workflow_id) or plain text for a terminal.
    log_format: Literal["json", "text"] = "json"
    log_level: str = "INFO"
    # The API and the workers log a warning (logger "sceau.loop") for each callback that held
    # their event loop longer than this many milliseconds; 0: never.
    loop_lag_warn_ms: int = Field(default=100, ge=0, le=60_000)
    # Threads in which the API runs database work (and synchronous endpoints).
    api_threads: int = Field(default=8, ge=1, le=200)
    # The worker's Temporal SDK metrics (Prometheus text at http://host:port/metrics);
    # port 0 turns them off. `sceau run` gives worker N the port + N - 1.
    worker_metrics_host: str = "127.0.0.1"
    worker_metrics_port: int = Field(default=9464, ge=0, le=65535)
    # Traces through temporalio.contrib.opentelemetry to this OTLP/HTTP collector
    # (e.g. http://collector:4318); empty: no tracing. Needs the `tracing` extra.
    otlp_endpoint: str = ""
    # Where the GED keeps document bytes: the data directory, or an S3-compatible bucket.
    ged_backend: Literal["local", "s3"] = "local"
    s3_bucket: str = ""
    s3_prefix: str = ""
    # Empty: AWS S3 itself; else an S3-compatible server (MinIO, Ceph, Garage...).
    s3_endpoint_url: str = ""
    s3_region: str = "us-east-1"
    # Empty: boto3's usual credential chain (AWS_* variables, instance role...).
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""

    # --- E-mail (domain/mail.py): the SMTP server Sceau sends through ---
    # `sceau run` starts a local catcher on this host and port (domain/mail_catcher.py) that
    # keeps each message under <data dir>/mail/; production points them at a real relay.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=8025, ge=1, le=65535)
    smtp_from: str = "Sceau <sceau@localhost>"
    # Empty username: no authentication.
    smtp_username: str = ""
    smtp_password: str = ""
    # STARTTLS after connecting (a relay on 587); the local catcher speaks plain SMTP.
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=300)

    # --- `sceau run`'s demo firm and a production Temporal (docs/operations.md) ---
    # The API's /readyz waits for the demo firm (the marker `demo.json` in the data
    # directory, written last by the seeding). `sceau run` sets it for its own API only;
    # a production API (no demo) never waits for it.
    demo: bool = False
    # Seeding attempts before `sceau run` gives up on the demo firm (the stack keeps running).
    demo_seed_attempts: int = Field(default=5, ge=1, le=20)
    # TLS to the Temporal frontend: None means on only when an API key is given. The
    # certificates are PEM file paths: the server's CA (empty: the system's roots), and the
    # client certificate and key for mTLS (both or neither).
    temporal_tls: bool | None = None
    temporal_tls_ca: str = ""
    temporal_tls_cert: str = ""
    temporal_tls_key: str = ""
    # The name the server's certificate is checked against, when not the address's host.
    temporal_tls_server_name: str = ""
    # Temporal Cloud's API key (sent as a bearer token); it turns TLS on unless told not to.
    temporal_api_key: str = ""

    # --- The pages for people (web/) ---
    # A browser session lasts this long after sign-in (sign-out ends it sooner).
    web_session_hours: int = Field(default=12, ge=1, le=24 * 30)
    # The e-mailed one-time links: a client's sign-in, a staff member's invitation.
    sign_in_link_minutes: int = Field(default=15, ge=1, le=60)
    invitation_link_hours: int = Field(default=72, ge=1, le=24 * 14)
    # The address the e-mailed links start with (https://sceau.cabinet.example); empty: the
    # API's own, http://SCEAU_API_HOST:SCEAU_API_PORT.
    public_url: str = ""

    @field_validator("temporal_tls", mode="before")
    @classmethod
    def _unset_is_auto(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir.resolve() / 'sceau.db'}"

    @property
    def queues(self) -> list[str]:
        return [name.strip() for name in self.worker_queues.split(",") if name.strip()]

    @property
    def ged_dir(self) -> Path:
        return self.data_dir / "ged"

    @property
    def mail_dir(self) -> Path:
        """Where the local catcher keeps the messages it received."""
        return self.data_dir / "mail"

    @property
    def resolved_public_url(self) -> str:
        """The root of Sceau's pages, without a trailing slash."""
        return (self.public_url or f"http://{self.api_host}:{self.api_port}").rstrip("/")

    @property
    def scratch_dir(self) -> Path:
        return self.data_dir / "scratch"

    @property
    def resolved_yousign_base_url(self) -> str:
        if self.yousign_base_url:
            return self.yousign_base_url
        if self.yousign_environment == "sandbox":
            return "https://api-sandbox.yousign.app/v3"
        if self.yousign_environment == "production":
            return "https://api.yousign.app/v3"
        return f"http://127.0.0.1:{self.signature_provider_port}/v3"

    @property
    def resolved_webhook_url(self) -> str:
        return self.webhook_url or f"http://127.0.0.1:{self.api_port}/v1/webhooks/signature/yousign"

    def secret(self, name: str) -> str:
        """A secret from the environment, else one generated once and kept in the data dir."""
        value: str = getattr(self, name)
        if value:
            return value
        path = self.data_dir / "secrets" / name
        if not path.exists():
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            _create_secret_file(path, secrets.token_urlsafe(32))
        return path.read_text().strip()


def _create_secret_file(path: Path, value: str) -> None:
    """Write ``value`` to a new file readable by its owner only, from its first byte on.

    The file is written whole under a temporary name created with mode 0600, then linked to
    ``path``: no reader ever sees it partial or open to others, and when two processes race,
    the first link wins and both read the same secret.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(value)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)  # never replaces a secret another process created
        except FileExistsError:
            pass
        except OSError:  # a filesystem without hard links
            os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


@lru_cache
def get_settings() -> Settings:
    return Settings()
