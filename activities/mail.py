"""The activities that send the workflows' e-mails, each once.

``mails_for`` turns an occasion (what happened, in ids) into one message per recipient,
reading names and addresses from the database; the workflow then runs ``send_mail`` for each,
so that each message is retried on its own.
``send_mail`` looks the idempotency key up in ``sentmail`` (a retry after a success sends
nothing), builds the French text, sends it over SMTP with a Message-ID derived from the key,
then records it. A crash between the send and the record sends again on retry, but the same
message: the relay's logs and the local catcher see one Message-ID.
``send_occasion_mails`` does both in one activity (missions since the `mail-in-one-activity`
patch): a retry goes through the occasion's messages again, and sends only those not sent.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from email.utils import formataddr

import aiosmtplib
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from contracts.errors import ErrorType, failure, invalid, not_found
from contracts.mail import (
    MAIL_KEY_MAX,
    MAILS_FOR,
    SEND_MAIL,
    SEND_OCCASION_MAILS,
    MailInput,
    MailOccasion,
    MailSent,
)
from domain.db import session_scope
from domain.mail import build_message, message_id, send
from domain.mail_messages import MailText, compose, one_line
from domain.mail_occasions import UnknownOccasion, mails_for
from domain.models import SentMail
from domain.settings import Settings

# One address, nothing around it: no display name, no list, no line break.
ADDRESS = re.compile(r"^[^@\s<>(),;:\"\[\]\\]+@[^@\s<>(),;:\"\[\]\\]+$")


def check(mail: MailInput, public_url: str) -> MailText:
    """The message's text, or InvalidInput (not retried) for what no retry can mend."""
    if not mail.idempotency_key or len(mail.idempotency_key) > MAIL_KEY_MAX:
        raise invalid(f"an e-mail needs an idempotency key of 1 to {MAIL_KEY_MAX} characters")
    if not ADDRESS.match(mail.to_email):
        raise failure(f"not an e-mail address: {mail.to_email!r}", ErrorType.mail_rejected)
    try:
        return compose(mail, public_url)
    except ValueError as error:
        raise invalid(str(error)) from error


def smtp_failure(error: aiosmtplib.SMTPException) -> ApplicationError:
    """A 5xx answer about this message (its sender, recipient or content) is final; the
    relay out of reach, a 4xx, or a refusal of the connection itself (the relay's set-up,
    which an operator mends) is worth retrying."""
    codes: list[int] = []
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in error.recipients]
    elif isinstance(
        error,
        aiosmtplib.SMTPDataError | aiosmtplib.SMTPSenderRefused | aiosmtplib.SMTPRecipientRefused,
    ):
        codes = [error.code]
    if codes and all(code >= 500 for code in codes):
        return failure(f"the mail relay refused the message: {error}", ErrorType.mail_rejected)
    return failure(
        f"the mail relay could not take the message: {error}",
        ErrorType.mail_unavailable,
        retryable=True,
    )


def sent_before(key: str) -> str | None:
    """The Message-ID recorded under ``key``, if a previous attempt sent it."""
    with session_scope(write=False) as session:
        row = session.exec(select(SentMail).where(SentMail.idempotency_key == key)).first()
        return row.message_id if row is not None else None


def record_sent(mail: MailInput, sent_id: str, subject: str) -> None:
    """Record the message as sent; a row already there (a concurrent attempt) is kept."""
    try:
        with session_scope() as session:
            session.add(
                SentMail(
                    idempotency_key=mail.idempotency_key,
                    message_id=sent_id,
                    kind=mail.kind,
                    recipient=mail.to_email,
                    subject=subject[:500],
                )
            )
    except IntegrityError:
        if sent_before(mail.idempotency_key) is None:
            raise


def occasion_mails(occasion: MailOccasion) -> list[MailInput]:
    with session_scope(write=False) as session:
        try:
            return mails_for(session, occasion)
        except UnknownOccasion as error:
            raise not_found(str(error)) from error


async def send_each(
    mails: list[MailInput], send: Callable[[MailInput], Awaitable[MailSent]]
) -> list[MailSent]:
    """Each message sent in turn. One that no retry can mend (a bad address, the relay's final
    refusal) is logged and the others go on; a failure worth retrying ends the attempt, and
    the retry finds the messages already sent under their keys."""
    results: list[MailSent] = []
    for mail in mails:
        try:
            results.append(await send(mail))
        except ApplicationError as error:
            if not error.non_retryable:
                raise
            activity.logger.warning("e-mail %s not sent: %s", mail.idempotency_key, error)
    return results


class MailActivities:
    """Built by the worker with the settings (the SMTP relay, the public URL of the pages)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @activity.defn(name=MAILS_FOR)
    async def mails_for(self, occasion: MailOccasion) -> list[MailInput]:
        """The messages ``occasion`` sends, one per recipient; nothing is sent here."""
        return await asyncio.to_thread(occasion_mails, occasion)

    @activity.defn(name=SEND_MAIL)
    async def send_mail(self, mail: MailInput) -> MailSent:
        text = check(mail, self.settings.resolved_public_url)
        earlier = await asyncio.to_thread(sent_before, mail.idempotency_key)
        if earlier is not None:
            return MailSent(earlier, sent=False)
        message = build_message(
            self.settings,
            to=formataddr((one_line(mail.to_name), mail.to_email)),
            subject=text.subject,
            body=text.body,
            idempotency_key=mail.idempotency_key,
        )
        try:
            await send(self.settings, message)
        except aiosmtplib.SMTPException as error:
            raise smtp_failure(error) from error
        except OSError as error:
            raise failure(
                f"the mail relay is out of reach: {error}",
                ErrorType.mail_unavailable,
                retryable=True,
            ) from error
        await asyncio.to_thread(record_sent, mail, message_id(mail.idempotency_key), text.subject)
        return MailSent(message_id(mail.idempotency_key), sent=True)

    @activity.defn(name=SEND_OCCASION_MAILS)
    async def send_occasion_mails(self, occasion: MailOccasion) -> list[MailSent]:
        """The occasion's messages, looked up and sent, each once."""
        return await send_each(await self.mails_for(occasion), self.send_mail)
