"""E-mail: messages built with the standard library, sent over SMTP with aiosmtplib.

Each message carries a `Message-ID` derived from the caller's idempotency key: a retried send
is the same message, which the local catcher (domain/mail_catcher.py) stores once and a real
relay's logs show as one. The workflows' mail activity (activities/mail.py) calls `send`.
"""

from __future__ import annotations

import functools
import hashlib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from domain.settings import Settings

MESSAGE_ID_DOMAIN = "sceau"


def message_id(idempotency_key: str) -> str:
    """The `Message-ID` of the message sent under `idempotency_key`: the same for every retry."""
    if not idempotency_key:
        raise ValueError("an e-mail needs an idempotency key")
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<{digest}@{MESSAGE_ID_DOMAIN}>"


def build_message(
    settings: Settings, *, to: str, subject: str, body: str, idempotency_key: str
) -> EmailMessage:
    """A plain-text message (UTF-8, French) from `SCEAU_SMTP_FROM` to `to`."""
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = message_id(idempotency_key)
    message["Content-Language"] = "fr"
    message.set_content(body, charset="utf-8")
    return message


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The verifying TLS context of every STARTTLS connection, built once: building one
    loads the system's CA bundle, some 20 ms of CPU that each message would pay again."""
    return ssl.create_default_context()


async def send(settings: Settings, message: EmailMessage) -> None:
    """Send `message` through `SCEAU_SMTP_HOST:SCEAU_SMTP_PORT`; raises aiosmtplib's errors
    (SMTPException and its kinds) for the caller's retry policy to judge."""
    await aiosmtplib.send(
        message,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username or None,
        password=settings.smtp_password if settings.smtp_username else None,
        start_tls=settings.smtp_starttls,
        tls_context=tls_context() if settings.smtp_starttls else None,
        timeout=settings.smtp_timeout_seconds,
    )
