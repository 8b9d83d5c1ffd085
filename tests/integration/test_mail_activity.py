"""The mail activity against the local catcher (a real SMTP server, as `sceau run` starts it)
and a real database (SQLite and PostgreSQL): each message is sent once, whatever is retried;
what the relay refuses for good is not retried, the rest is."""

from __future__ import annotations

from collections.abc import AsyncIterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlmodel import select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

import activities.mail
from activities.mail import MailActivities
from contracts.mail import MailInput, MailKind, MailOccasion, MailSent, mail_key
from domain.db import session_scope
from domain.mail import message_id
from domain.models import SentMail
from domain.settings import Settings
from tests.e2e.stack import free_port
from tests.integration.database import database  # noqa: F401
from tests.integration.test_mail import catcher  # noqa: F401

pytestmark = pytest.mark.usefixtures("database")


@pytest.fixture
def smtp(request: pytest.FixtureRequest) -> tuple[int, Path]:
    """The local catcher (test_mail.py's fixture): its port and the folder it keeps mail in."""
    value: tuple[int, Path] = request.getfixturevalue("catcher")
    return value


LINK = "http://127.0.0.1:8100/signer/4f1c?signer_id=9a2b"


def letter_to_sign(
    key: str = mail_key(MailKind.letter_to_sign, "mis_1", "v1", "client"),
) -> MailInput:
    return MailInput(
        idempotency_key=key,
        kind=MailKind.letter_to_sign,
        to_email="emilie.dupont@eclair.example.fr",
        to_name="Émilie Dupont-Lefèvre",
        firm_name="Cabinet Martin & Associés",
        client_name="Boulangerie Éclair",
        mission_id="mis_1",
        mission_name="Tenue comptable 2027",
        link=LINK,
        expires_on="2027-01-29",
    )


def caught(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.eml"))


def recorded() -> list[SentMail]:
    with session_scope(write=False) as session:
        return list(session.exec(select(SentMail)))


async def run(settings: Settings, mail: MailInput) -> MailSent:
    result: MailSent = await ActivityEnvironment().run(MailActivities(settings).send_mail, mail)
    return result


async def test_a_message_is_sent_once_however_often_the_activity_runs(
    smtp: tuple[int, Path],
) -> None:
    port, directory = smtp
    settings = Settings(smtp_port=port)
    first = await run(settings, letter_to_sign())
    again = await run(settings, letter_to_sign())
    assert first == MailSent(message_id(letter_to_sign().idempotency_key), sent=True)
    assert again == MailSent(first.message_id, sent=False)

    (path,) = caught(directory)
    message = message_from_bytes(path.read_bytes(), policy=default)
    assert message["Subject"] == "Lettre de mission à signer : Tenue comptable 2027"
    assert message["To"] == "Émilie Dupont-Lefèvre <emilie.dupont@eclair.example.fr>"
    assert message["Message-ID"] == first.message_id
    body = message.get_content().replace("\r\n", "\n")
    assert body.startswith("Bonjour Émilie Dupont-Lefèvre,\n")
    assert f"ouvrez ce lien :\n{LINK}\n" in body
    (row,) = recorded()
    assert (row.idempotency_key, row.kind, row.recipient) == (
        letter_to_sign().idempotency_key,
        "letter_to_sign",
        "emilie.dupont@eclair.example.fr",
    )

    # Another occurrence (another key) is another message.
    other = mail_key(MailKind.letter_to_sign, "mis_1", "v1", "firm")
    assert (await run(settings, letter_to_sign(other))).sent
    assert len(caught(directory)) == 2
    assert len(recorded()) == 2


async def test_a_crash_between_send_and_record_sends_the_same_message_again(
    smtp: tuple[int, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, directory = smtp
    settings = Settings(smtp_port=port)
    record = activities.mail.record_sent

    def lost(*_: object) -> None:
        raise ConnectionError("the database went away after the send")

    monkeypatch.setattr(activities.mail, "record_sent", lost)
    with pytest.raises(ConnectionError):
        await run(settings, letter_to_sign())
    assert len(caught(directory)) == 1
    assert recorded() == []

    # Temporal retries the activity: it sends again, the same Message-ID, and records it.
    monkeypatch.setattr(activities.mail, "record_sent", record)
    retried = await run(settings, letter_to_sign())
    assert retried.sent
    assert len(caught(directory)) == 1  # one message for the recipient
    assert [row.message_id for row in recorded()] == [retried.message_id]
    assert not (await run(settings, letter_to_sign())).sent


class Refusing:
    """A relay that answers every recipient with ``reply``."""

    def __init__(self, reply: str) -> None:
        self.reply = reply

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        return self.reply


@pytest.fixture
async def refusing_relay(request: pytest.FixtureRequest) -> AsyncIterator[int]:
    import asyncio

    port = free_port()
    handler = Refusing(request.param)
    server = await asyncio.get_running_loop().create_server(
        lambda: SMTP(handler, hostname="localhost"), "127.0.0.1", port
    )
    try:
        yield port
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize(
    ("refusing_relay", "error_type", "retried"),
    [
        ("550 5.1.1 No such user here", "MailRejected", False),
        ("451 4.3.0 Try again later", "MailUnavailable", True),
    ],
    indirect=["refusing_relay"],
)
async def test_what_the_relay_refuses_for_good_is_not_retried(
    refusing_relay: int, error_type: str, retried: bool
) -> None:
    with pytest.raises(ApplicationError) as error:
        await run(Settings(smtp_port=refusing_relay), letter_to_sign())
    assert error.value.type == error_type
    assert error.value.non_retryable is not retried
    assert recorded() == []


async def test_a_bad_address_or_no_relay(smtp: tuple[int, Path]) -> None:
    port, directory = smtp
    bad = letter_to_sign()
    bad.to_email = "emilie.dupont@eclair.example.fr, patron@ailleurs.example"
    with pytest.raises(ApplicationError) as error:
        await run(Settings(smtp_port=port), bad)
    assert (error.value.type, error.value.non_retryable) == ("MailRejected", True)

    unreachable = Settings(smtp_port=free_port(), smtp_timeout_seconds=5)
    with pytest.raises(ApplicationError) as error:
        await run(unreachable, letter_to_sign())
    assert (error.value.type, error.value.non_retryable) == ("MailUnavailable", False)
    assert caught(directory) == []
    assert recorded() == []


# --- an occasion's messages in one activity (the `mail-in-one-activity` patch) -------------

OCCASION = MailOccasion(MailKind.letter_to_sign, mission_id="mis_1", letter_version=1)


def signers(*emails: str) -> list[MailInput]:
    """The occasion's messages as `mails_for` would read them: one per signer."""
    mails = []
    for email in emails:
        mail = letter_to_sign(mail_key(MailKind.letter_to_sign, "mis_1", "v1", email))
        mail.to_email = email
        mails.append(mail)
    return mails


async def run_occasion(settings: Settings) -> list[MailSent]:
    mail_activities = MailActivities(settings)
    result: list[MailSent] = await ActivityEnvironment().run(
        mail_activities.send_occasion_mails, OCCASION
    )
    return result


async def test_an_occasion_sends_each_message_once_and_goes_past_a_bad_address(
    smtp: tuple[int, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, directory = smtp
    messages = signers("client@eclair.example.fr", "client@, oops", "associe@cabinet.example.fr")
    monkeypatch.setattr(activities.mail, "occasion_mails", lambda occasion: messages)
    first = await run_occasion(Settings(smtp_port=port))
    assert [result.sent for result in first] == [True, True]
    assert sorted(row.recipient for row in recorded()) == [
        "associe@cabinet.example.fr",
        "client@eclair.example.fr",
    ]
    # Run again (a retry after the worker was lost): nothing more is sent.
    again = await run_occasion(Settings(smtp_port=port))
    assert [result.sent for result in again] == [False, False]
    assert len(caught(directory)) == 2


async def test_an_occasion_retried_after_the_relay_failed_sends_only_what_was_left(
    smtp: tuple[int, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, directory = smtp
    monkeypatch.setattr(
        activities.mail,
        "occasion_mails",
        lambda occasion: signers("client@eclair.example.fr", "associe@cabinet.example.fr"),
    )
    real_send = activities.mail.send
    calls = 0

    async def relay_gone_on_the_second(settings: Settings, message: EmailMessage) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError("connection refused")
        await real_send(settings, message)

    monkeypatch.setattr(activities.mail, "send", relay_gone_on_the_second)
    with pytest.raises(ApplicationError) as error:
        await run_occasion(Settings(smtp_port=port))
    assert (error.value.type, error.value.non_retryable) == ("MailUnavailable", False)
    assert len(caught(directory)) == 1

    retried = await run_occasion(Settings(smtp_port=port))
    assert [result.sent for result in retried] == [False, True]
    emails = [message_from_bytes(path.read_bytes(), policy=default) for path in caught(directory)]
    assert sorted(message["Message-ID"] for message in emails) == sorted(
        result.message_id for result in retried
    )
