"""The local SMTP catcher `sceau run` starts: every message Sceau sends lands in a folder.

    python -m domain.mail_catcher [--host H] [--port P] [--dir D]

Each message is kept as `<dir>/<n>-<hash>.eml` (n counts from 1; hash is that of its
`Message-ID`). A message whose `Message-ID` is already there is accepted and not stored
again: a retried send never shows as a second e-mail. The API lists the folder at /dev/mail
under `sceau run` (api/routers/dev_mail.py). No authentication, no TLS: it listens on the
loopback interface for the demo only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import os
import re
import signal
from email.parser import BytesHeaderParser
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

from domain.settings import get_settings

# `<n>-<hash>.eml`: what the catcher writes and the only names /dev/mail serves.
FILE_NAME = re.compile(r"^(\d+)-([0-9a-f]{16})\.eml$")


def message_key(content: bytes) -> str:
    """The hash a message is filed under: that of its Message-ID (else of its bytes)."""
    headers = BytesHeaderParser().parsebytes(content)
    message_id = (headers.get("Message-ID") or "").strip()
    return hashlib.sha256(message_id.encode() if message_id else content).hexdigest()[:16]


def store(directory: Path, content: bytes) -> Path | None:
    """Keep `content` as the next `<n>-<hash>.eml`; None when its Message-ID is already kept.

    The catcher is one process whose handler does not await between the check and the
    write, so two deliveries never race; the file appears whole (written, then renamed).
    """
    directory.mkdir(parents=True, exist_ok=True)
    key = message_key(content)
    numbers = []
    for path in directory.iterdir():
        match = FILE_NAME.match(path.name)
        if match is None:
            continue
        if match.group(2) == key:
            return None
        numbers.append(int(match.group(1)))
    path = directory / f"{max(numbers, default=0) + 1:05d}-{key}.eml"
    partial = directory / f".{path.name}.tmp"
    partial.write_bytes(content)
    os.replace(partial, path)
    return path


class Catcher:
    """aiosmtpd's handler: each message's DATA is stored (once per Message-ID)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content
        if not isinstance(content, bytes):
            content = str(content).encode()
        store(self.directory, content)
        return "250 Message accepted for delivery"


async def serve(host: str, port: int, directory: Path) -> asyncio.Server:
    """The catcher listening on host:port (the caller closes it)."""
    loop = asyncio.get_running_loop()
    handler = Catcher(directory)
    return await loop.create_server(
        # hostname given: aiosmtpd would otherwise look the machine's FQDN up (DNS).
        lambda: SMTP(handler, hostname="localhost", decode_data=False),
        host,
        port,
    )


async def _main(host: str, port: int, directory: Path) -> None:
    server = await serve(host, port, directory)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print(f"mail catcher on {host}:{port}, keeping messages in {directory}", flush=True)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m domain.mail_catcher", description=__doc__)
    parser.add_argument("--host", default=settings.smtp_host)
    parser.add_argument("--port", type=int, default=settings.smtp_port)
    parser.add_argument("--dir", type=Path, default=settings.mail_dir)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(args.host, args.port, args.dir))


if __name__ == "__main__":
    main()
