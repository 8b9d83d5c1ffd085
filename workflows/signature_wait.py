"""Waiting for signatures, as a base of MissionWorkflow: sending the letter, the provider's
events, the expiry timer, reminders and the status poll that stands in for lost webhooks."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from contracts.ids import signed_key
    from contracts.mail import MailKind, MailOccasion
    from contracts.messages import (
        Activities,
        CancelSignatureInput,
        FileSignedInput,
        FollowUpInput,
        ProviderStatus,
        RemindInput,
        SendForSignatureInput,
        Signals,
        SignatureAsk,
        SignatureEvent,
        SignatureStarted,
        SignatureStatusInput,
        Updates,
        WorkCreated,
    )
    from contracts.statuses import SignatureEventKind

from workflows.lifecycle import Rejected
from workflows.patches import DECLINED_FOLLOW_UP, WORK_BY_PERIOD
from workflows.periods import MissionPeriods
from workflows.policies import (
    RETRY_A_FEW_TIMES,
    RETRY_UNTIL_DONE,
    RETRY_WHILE_CALLER_WAITS,
    SLOW_STEP_TIMEOUT,
    STEP_TIMEOUT,
)
from workflows.steps import database_step

# What the provider reports when asked that ends the wait, as the event it would have sent
# (the provider's status and the event's kind are the same words).
FINAL_PROVIDER_STATUSES = frozenset(SignatureEventKind) - {SignatureEventKind.signer_done}


class SignatureWait(MissionPeriods):
    # --- sending the letter ----------------------------------------------------------------

    @workflow.update(name=Updates.request_signature)
    async def request_signature(self, ask: SignatureAsk) -> SignatureStarted:
        async with self.turn:
            self._require(("letter_generated",), "send the letter for signature")
            assert self.state.letter is not None
            self.state.signature = await workflow.execute_activity(
                Activities.send_for_signature,
                SendForSignatureInput(
                    mission_id=self.start.mission_id,
                    version=self.state.letter_version,
                    document_id=self.state.letter_document_ids[-1],
                    provider=ask.provider,
                    firm_representative_id=self.state.letter.firm_representative_id,
                    client_representative_id=self.state.letter.client_representative_id,
                    expires_at=(
                        workflow.now() + timedelta(days=self.start.signature_expiry_days)
                    ).isoformat(),
                    reminder_interval_days=self.start.signature_reminder_interval_days,
                    reminder_max=self.start.signature_reminder_max,
                ),
                start_to_close_timeout=SLOW_STEP_TIMEOUT,
                retry_policy=RETRY_WHILE_CALLER_WAITS,
                result_type=SignatureStarted,
            )
            self.state.sent_at = self.state.last_heard_at = workflow.now()
            await self._transition("awaiting_signature", ask.by, f"sent to {ask.provider}")
            self._mail_about_letter(
                MailKind.letter_to_sign, signing_links=self.state.signature.signing_links
            )
            return self.state.signature

    @request_signature.validator
    def _validate_request_signature(self, ask: SignatureAsk) -> None:
        if self.state.status != "letter_generated":
            raise Rejected(
                f"only a generated letter can be sent; the mission is {self.state.status}"
            )

    # --- the provider's events -------------------------------------------------------------

    @workflow.signal(name=Signals.signature_event)
    def signature_event(self, event: SignatureEvent) -> None:
        # Providers deliver at least once: an event seen before is dropped here.
        if event.event_id in self.state.seen_event_ids:
            return
        self.state.seen_event_ids.append(event.event_id)
        self.state.last_heard_at = workflow.now()
        # A cancel waiting to be handled ends the mission before this event's turn comes.
        if self.state.pending_cancel is None:
            self.state.pending_events.append(event)

    async def _handle_signature_event(self, event: SignatureEvent) -> None:
        """One event, sent by the provider or found by a status poll, in the main loop's turn."""
        if await self._route_to_amendment(event):
            return
        if self.state.status != "awaiting_signature":
            workflow.logger.info("ignoring %s event while %s", event.kind, self.state.status)
            return
        if event.kind == SignatureEventKind.signer_done:
            if event.signer_email and event.signer_email not in self.state.signers_done:
                self.state.signers_done.append(event.signer_email)
                await self._record_signature("ongoing", event.signer_email)
        elif event.kind == SignatureEventKind.done:
            await self._complete_signature()
        elif event.kind == SignatureEventKind.declined:
            await self._record_signature("declined")
            await self._transition("declined", "signer", event.reason)
            if workflow.patched(DECLINED_FOLLOW_UP):
                await database_step(
                    self.state,
                    Activities.create_follow_up_task,
                    FollowUpInput(self.start.mission_id, event.reason),
                    retry_policy=RETRY_UNTIL_DONE,
                )
            self._mail_about_letter(
                MailKind.letter_declined, signer_email=event.signer_email, reason=event.reason
            )
        elif event.kind == SignatureEventKind.expired:
            await self._record_signature("expired")
            await self._transition("expired", "provider", event.reason or "expired")
            self._mail_about_letter(MailKind.letter_expired)
        elif event.kind == SignatureEventKind.canceled:
            await self._record_signature("canceled")
            await self._transition("cancelled", "provider", event.reason or "cancelled")

    async def _route_to_amendment(self, event: SignatureEvent) -> bool:
        """Whether the event is about an amendment's signature request, and was handled as
        such (workflows/amendments.py); the letter's events stay here."""
        return False

    async def _record_signature(self, status: str, signer_email: str = "") -> None:
        assert self.state.signature is not None
        self.state.signature.status = status
        await self._signature_status(self.state.signature.signature_id, status, signer_email)

    async def _signature_status(
        self, signature_id: str, status: str, signer_email: str = ""
    ) -> None:
        """Record the status of a signature request: the letter's, or an amendment's."""
        await database_step(
            self.state,
            Activities.record_signature_status,
            SignatureStatusInput(signature_id, status, signer_email),
            retry_policy=RETRY_UNTIL_DONE,
        )

    async def _complete_signature(self) -> None:
        assert self.state.signature is not None
        await workflow.execute_activity(
            Activities.file_signed_letter,
            FileSignedInput(self.start.mission_id, self.state.signature.signature_id),
            start_to_close_timeout=SLOW_STEP_TIMEOUT,
            retry_policy=RETRY_UNTIL_DONE,
        )
        self.state.signature.status = "done"
        await self._transition("signed", "signers", "all signers signed")
        # The signed letter, when filed in a folder shared with the client.
        signed = signed_key("signed_letter", self.start.mission_id, self.state.letter_version)
        self._mail_about_letter(MailKind.document_shared, document_key=signed)
        # Work opens period by period, on the workflow's timers; a mission signed before
        # gets all its work at once, as its history says.
        if workflow.patched(WORK_BY_PERIOD):
            await self._activate_by_period()
            return
        created = await workflow.execute_activity(
            Activities.create_work,
            self.start.mission_id,
            start_to_close_timeout=SLOW_STEP_TIMEOUT,
            retry_policy=RETRY_UNTIL_DONE,
            result_type=WorkCreated,
        )
        await self._transition(
            "active",
            "sceau",
            f"{created.tasks} tasks and {created.information_requests} information requests",
        )

    async def _cancel_at_provider(self, reason: str) -> None:
        if self.state.signature is not None:
            await self._cancel_signature(self.state.signature.signature_id, reason)

    async def _cancel_signature(self, signature_id: str, reason: str) -> None:
        """Cancel a signature request at the provider: the letter's, or an amendment's."""
        await workflow.execute_activity(
            Activities.cancel_signature,
            CancelSignatureInput(signature_id, reason),
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=RETRY_UNTIL_DONE,
        )

    # --- timers: expiry, reminders, status polls --------------------------------------------

    def _signature_deadline(self) -> datetime:
        """The nearest of expiry, next reminder and next poll; the expiry alone for a mission
        that started waiting before the `signature-timers` patch."""
        state = self.state
        expiry = self._expiry(state.sent_at)
        if state.signature_timers:
            reminder = self._next_reminder(state.sent_at, state.reminders_sent)
            return min(t for t in (expiry, reminder, self._next_poll(state.last_heard_at)) if t)
        return expiry

    # The letter's and the amendment's (workflows/amendments.py) requests share these.

    def _expiry(self, sent_at: datetime | None) -> datetime:
        assert sent_at is not None
        return sent_at + timedelta(days=self.start.signature_expiry_days)

    def _next_reminder(self, sent_at: datetime | None, reminders_sent: int) -> datetime | None:
        interval = self.start.signature_reminder_interval_days
        if sent_at is None or interval <= 0:
            return None
        if reminders_sent >= self.start.signature_reminder_max:
            return None
        return sent_at + timedelta(days=interval * (reminders_sent + 1))

    def _next_poll(self, last_heard_at: datetime | None) -> datetime | None:
        hours = self.start.signature_poll_after_hours
        if last_heard_at is None or hours <= 0:
            return None
        return last_heard_at + timedelta(hours=hours)

    async def _signature_deadline_passed(self) -> None:
        now = workflow.now()
        if now >= self._expiry(self.state.sent_at):
            await self._cancel_at_provider("signature window expired")
            await self._transition("expired", "sceau", "no signature in time")
            self._mail_about_letter(MailKind.letter_expired)
            return
        reminder = self._next_reminder(self.state.sent_at, self.state.reminders_sent)
        poll = self._next_poll(self.state.last_heard_at)
        if reminder is not None and now >= reminder:
            await self._remind()
        if self.state.status == "awaiting_signature" and poll is not None and now >= poll:
            await self._poll()

    async def _remind(self) -> None:
        assert self.state.signature is not None
        self.state.reminders_sent += 1
        await self._remind_signers(self.state.signature.signature_id, self.state.reminders_sent)

    async def _remind_signers(self, signature_id: str, number: int) -> None:
        """Reminder ``number`` of a signature request (the letter's, or an amendment's); a
        failure is let go, the next timer carries on."""
        with contextlib.suppress(ActivityError):
            await workflow.execute_activity(
                Activities.remind_signers,
                RemindInput(signature_id, number),
                start_to_close_timeout=STEP_TIMEOUT,
                retry_policy=RETRY_A_FEW_TIMES,
            )

    async def _poll(self) -> None:
        """Ask the provider where the request stands, and act as if it had sent the events."""
        assert self.state.signature is not None
        self.state.polls += 1
        self.state.last_heard_at = workflow.now()
        try:
            answer = await workflow.execute_activity(
                Activities.fetch_signature_status,
                self.state.signature.signature_id,
                start_to_close_timeout=STEP_TIMEOUT,
                retry_policy=RETRY_A_FEW_TIMES,
                result_type=ProviderStatus,
            )
        except ActivityError:
            # The next poll asks again; the expiry timer bounds the wait in any case.
            workflow.logger.warning("could not ask the provider for the signature's status")
            return
        if answer.status not in FINAL_PROVIDER_STATUSES:
            for email in answer.signed_emails:
                await self._handle_signature_event(
                    SignatureEvent(
                        f"poll-{self.state.polls}-{email}", "signer_done", signer_email=email
                    )
                )
            return
        reason = answer.reason or f"{answer.status}, as the provider reported when asked"
        await self._handle_signature_event(
            SignatureEvent(f"poll-{self.state.polls}", answer.status, reason=reason)
        )

    # --- e-mail ----------------------------------------------------------------------------

    def _mail_about_letter(self, kind: MailKind, **facts: Any) -> None:
        """Post the e-mail about the current letter (workflows/notifications.py)."""
        sent_at = self.state.sent_at
        expires_on = self._expiry(sent_at).date().isoformat() if sent_at else ""
        self.mail.post(
            MailOccasion(
                kind,
                mission_id=self.start.mission_id,
                letter_version=self.state.letter_version,
                expires_on=expires_on,
                **facts,
            )
        )
