"""The e-mails a mission sends, as the workflow's outbox: each occasion (a request from the
client, a letter to sign, a decline, an expiry, a document shared, information requests, the
consumer's renewal notice) posted where it happens, sent beside the mission's own steps.

A message never holds the mission up: it is sent from a task of its own, so an update's
caller or the main loop never waits for the mail relay, and a relay that stays down costs a
bounded number of retries, then a warning in the log. Each message carries the idempotency
key that ``mails_for`` gave it, so a retried ``send_mail`` sends nothing twice.

Whether a mission sends e-mail at all is one `mail-notifications` patch, decided the first
time a message is due and kept in the state (``mail_notifications``, carried by
continue-as-new): a mission whose history was written before sends none, and replays as it
ran.

Since the `mail-in-one-activity` patch (decided with the first message due, kept in the state
as ``mail_in_one_activity``), one activity looks an occasion's messages up and sends them:
one activity task instead of one plus one per message, and as many workflow tasks fewer —
under load, the e-mails had been most of the missions queue's activity tasks. Each message
still goes once (its key); a retry sends only those not sent yet.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from contracts.mail import (
        MAILS_FOR,
        SEND_MAIL,
        SEND_OCCASION_MAILS,
        MailInput,
        MailOccasion,
        MailSent,
    )
    from contracts.messages import MissionWorkflowState

from workflows.patches import MAIL_IN_ONE_ACTIVITY, MAIL_NOTIFICATIONS
from workflows.policies import STEP_TIMEOUT, backing_off

# A relay out of reach is retried ten times, 1 s, 2 s, 4 s … 256 s apart (some eight and a
# half minutes in all), then the message is given up and logged: never the mission.
RETRY_MAIL = backing_off(up_to=timedelta(minutes=5), attempts=10)


class Outbox:
    """The messages a run is sending: posted by the workflow's layers, awaited before the
    run ends or continues as new (a message still being sent would be lost with the run)."""

    def __init__(self, state: MissionWorkflowState) -> None:
        self.state = state
        self.sending: list[asyncio.Task[None]] = []

    def enabled(self) -> bool:
        """The mission's `mail-notifications` decision, taken the first time it is asked."""
        if self.state.mail_notifications is None:
            self.state.mail_notifications = workflow.patched(MAIL_NOTIFICATIONS)
        return self.state.mail_notifications

    def in_one_activity(self) -> bool:
        """The mission's `mail-in-one-activity` decision, taken the first time it is asked."""
        if self.state.mail_in_one_activity is None:
            self.state.mail_in_one_activity = workflow.patched(MAIL_IN_ONE_ACTIVITY)
        return self.state.mail_in_one_activity

    def post(self, occasion: MailOccasion) -> None:
        """Send the occasion's messages in the background, when the mission sends e-mail."""
        if self.enabled():
            send = deliver_at_once if self.in_one_activity() else deliver
            self.sending.append(asyncio.create_task(send(occasion)))

    async def all_sent(self) -> None:
        """Wait for every message posted in this run (no command when there are none)."""
        if self.sending:
            await asyncio.gather(*self.sending)
            self.sending.clear()


async def deliver_at_once(occasion: MailOccasion) -> None:
    """Look up and send the occasion's messages in one activity (which logs each message it
    could not send and goes on with the others)."""
    await mail_step(
        SEND_OCCASION_MAILS, occasion, list[MailSent], f"{occasion.kind} e-mails not sent"
    )


async def deliver(occasion: MailOccasion) -> None:
    """Look up the occasion's messages, then send each (the path of the missions that decided
    before `mail-in-one-activity`)."""
    mails = await mail_step(MAILS_FOR, occasion, list[MailInput], f"no {occasion.kind} e-mail")
    for mail in mails or []:
        await mail_step(SEND_MAIL, mail, MailSent, f"e-mail {mail.idempotency_key} not sent")


async def mail_step(name: str, arg: Any, result_type: Any, failed: str) -> Any:
    """One mail activity's result, or None once its retries are spent: the failure is logged,
    never raised."""
    try:
        return await workflow.execute_activity(
            name,
            arg,
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=RETRY_MAIL,
            result_type=result_type,
        )
    except ActivityError as error:
        workflow.logger.warning("%s: %s", failed, error.cause or error)
        return None
