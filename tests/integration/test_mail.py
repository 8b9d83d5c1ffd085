"""E-mail: the sender (aiosmtplib) against the local catcher (`python -m domain.mail_catcher`)
as `sceau run` starts it; a retried message is stored once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest

from domain.mail import build_message, message_id, send
from domain.settings import Settings
from tests.e2e.stack import free_port


def test_the_message_id_is_stable_for_a_key() -> None:
    first = message_id("mission-12:letter-1:client-sign-link")
    assert first == message_id("mission-12:letter-1:client-sign-link")
    assert first != message_id("mission-12:letter-2:client-sign-link")
    assert first.startswith("<") and first.endswith("@sceau>")
    message = build_message(
        Settings(), to="a@example.org", subject="s", body="b", idempotency_key="k"
    )
    assert message["Message-ID"] == message_id("k")
    with pytest.raises(ValueError):
        message_id("")


@pytest.fixture
def catcher(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port = free_port()
    directory = tmp_path / "mail"
    process = subprocess.Popen(
        [sys.executable, "-m", "domain.mail_catcher", "--port", str(port), "--dir", str(directory)],
        env={**os.environ, "SCEAU_DATA_DIR": str(tmp_path)},
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, "the catcher exited"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the catcher did not listen"
                time.sleep(0.05)
        yield port, directory
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


async def test_a_retried_message_is_caught_once(catcher: tuple[int, Path]) -> None:
    port, directory = catcher
    settings = Settings(smtp_port=port)
    body = "Bonjour Jean,\n\nVotre lettre de mission est prête à être signée : 1 234,50 €.\n"

    def letter(key: str) -> EmailMessage:
        return build_message(
            settings,
            to="Jean Dupont <jean.dupont@boulangerie-dupont.example>",
            subject="Votre lettre de mission à signer",
            body=body,
            idempotency_key=key,
        )

    await send(settings, letter("mission-1:sign"))
    await send(settings, letter("mission-1:sign"))  # a retry
    await send(settings, letter("mission-2:sign"))

    files = sorted(path.name for path in directory.glob("*.eml"))
    assert len(files) == 2, files
    assert files[0].startswith("00001-") and files[1].startswith("00002-")
    caught = message_from_bytes((directory / files[0]).read_bytes(), policy=default)
    assert caught["Message-ID"] == message_id("mission-1:sign")
    assert caught["Subject"] == "Votre lettre de mission à signer"
    assert caught["From"] == "Sceau <sceau@localhost>"
    assert caught.get_content_charset() == "utf-8"
    # As sent on the wire: CRLF line ends.
    assert caught.get_content().replace("\r\n", "\n") == body
