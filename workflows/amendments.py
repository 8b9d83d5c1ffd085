"""Amendments (*avenants*), as a base of MissionWorkflow: drafted, lettered, sent for signature
and signed while the mission stays `active`, one at a time.

The amendment waits for its signatures as the letter did (expiry, reminders, status polls), on
the same main loop: its deadline joins the active mission's (workflows/mission.py), and the
provider's events for its signature request reach it through SignatureWait's routing hook.
Signed, its lines are the mission's from its effective date (domain/queries.py, read by
`open_work`); declined, expired or cancelled, nothing changes. Every status is an entry of the
mission's timeline. Nothing here runs for a history that never drafted an amendment.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from contracts.mail import MailKind, MailOccasion
    from contracts.messages import (
        Activities,
        AmendmentActivities,
        AmendmentAnswer,
        AmendmentCancel,
        AmendmentDraft,
        AmendmentInProgress,
        AmendmentLetterRequest,
        AmendmentRenderInput,
        AmendmentSignatureAsk,
        AmendmentStatusInput,
        AmendmentUpdates,
        FileAmendmentLetterInput,
        FileSignedAmendmentInput,
        ProviderStatus,
        SaveAmendmentInput,
        SendForSignatureInput,
        SignatureEvent,
        SignatureStarted,
        WorkCreated,
    )
    from contracts.statuses import MissionStatus, SignatureEventKind

from workflows.letter_pdf import render_letter_pdf
from workflows.lifecycle import Rejected
from workflows.policies import (
    RETRY_A_FEW_TIMES,
    RETRY_UNTIL_DONE,
    RETRY_WHILE_CALLER_WAITS,
    SLOW_STEP_TIMEOUT,
    STEP_TIMEOUT,
)
from workflows.signature_wait import FINAL_PROVIDER_STATUSES, SignatureWait
from workflows.steps import database_step

# While the amendment may still change: its letter may be (re)generated, or it cancelled.
AMENDMENT_EDITABLE = ("draft", "letter_generated")
AWAITING = "awaiting_signature"
# The provider's final word, as the amendment's status.
ENDINGS = {
    SignatureEventKind.declined: "declined",
    SignatureEventKind.expired: "expired",
    SignatureEventKind.canceled: "cancelled",
}


async def render_amendment_pdf(
    request: AmendmentRenderInput, *, task_queue: str, retry_policy: RetryPolicy
) -> str:
    """Renders the amendment's letter with the general conditions, converts it to PDF/A, and
    returns the PDF's scratch name."""
    return await render_letter_pdf(
        request,
        task_queue=task_queue,
        retry_policy=retry_policy,
        render=AmendmentActivities.render_amendment_letter,
    )


class MissionAmendments(SignatureWait):
    # --- drafting ----------------------------------------------------------------------

    @workflow.update(name=AmendmentUpdates.draft_amendment)
    async def draft_amendment(self, draft: AmendmentDraft) -> AmendmentAnswer:
        async with self.turn:
            self._refuse_amendment()
            self.state.seq += 1
            number = await database_step(
                self.state,
                AmendmentActivities.save_amendment,
                SaveAmendmentInput(
                    self.start.mission_id, self.state.seq, draft, workflow.now().isoformat()
                ),
                retry_policy=RETRY_WHILE_CALLER_WAITS,
                result_type=int,
            )
            self.state.amendment = AmendmentInProgress(
                draft.amendment_id, number, draft.effective_date, "draft"
            )
            return self._amendment_answer()

    @draft_amendment.validator
    def _validate_draft_amendment(self, draft: AmendmentDraft) -> None:
        self._refuse_amendment()

    def _refuse_amendment(self) -> None:
        """Only an active mission, not on its way out, with no amendment in progress."""
        if self.state.status != MissionStatus.active:
            raise Rejected(f"only an active mission can be amended; it is {self.state.status}")
        if self.state.termination is not None:
            raise Rejected(f"the mission is terminated from {self.state.termination.effective_on}")
        if self.state.amendment is not None:
            raise Rejected(
                f"amendment n° {self.state.amendment.number} is in progress "
                f"({self.state.amendment.status})"
            )

    # --- the amendment's letter ------------------------------------------------------------

    @workflow.update(name=AmendmentUpdates.generate_amendment_letter)
    async def generate_amendment_letter(self, request: AmendmentLetterRequest) -> AmendmentAnswer:
        async with self.turn:
            amendment = self._amendment_in(request.amendment_id, AMENDMENT_EDITABLE)
            version = amendment.letter_version + 1
            pdf_name = await render_amendment_pdf(
                AmendmentRenderInput(
                    amendment_id=amendment.amendment_id,
                    version=version,
                    template_id=request.template_id,
                    firm_representative_id=request.firm_representative_id,
                    client_representative_id=request.client_representative_id,
                    scratch_name=f"{self.start.mission_id}/{amendment.amendment_id}-v{version}.docx",
                    letter_date=workflow.now().date().isoformat(),
                ),
                task_queue=self.start.documents_queue,
                retry_policy=RETRY_WHILE_CALLER_WAITS,
            )
            amendment.document_id = await workflow.execute_activity(
                AmendmentActivities.file_amendment_letter,
                FileAmendmentLetterInput(
                    amendment.amendment_id, version, request.folder_id, pdf_name
                ),
                start_to_close_timeout=STEP_TIMEOUT,
                retry_policy=RETRY_WHILE_CALLER_WAITS,
                result_type=str,
            )
            amendment.letter, amendment.letter_version = request, version
            await self._record_amendment(
                "letter_generated", request.by, f"letter version {version}"
            )
            return self._amendment_answer()

    @generate_amendment_letter.validator
    def _validate_generate_amendment_letter(self, request: AmendmentLetterRequest) -> None:
        self._amendment_in(request.amendment_id, AMENDMENT_EDITABLE)

    def _amendment_in(self, amendment_id: str, statuses: tuple[str, ...]) -> AmendmentInProgress:
        """The amendment in progress, if it is this one and in one of ``statuses``."""
        amendment = self.state.amendment
        if amendment is None or amendment.amendment_id != amendment_id:
            raise Rejected(f"amendment {amendment_id} is not in progress")
        if amendment.status not in statuses:
            raise Rejected(f"amendment n° {amendment.number} is {amendment.status}")
        return amendment

    # --- sending and cancelling ---------------------------------------------------------

    @workflow.update(name=AmendmentUpdates.request_amendment_signature)
    async def request_amendment_signature(self, ask: AmendmentSignatureAsk) -> AmendmentAnswer:
        async with self.turn:
            amendment = self._amendment_in(ask.amendment_id, ("letter_generated",))
            assert amendment.letter is not None
            amendment.signature = await workflow.execute_activity(
                Activities.send_for_signature,
                SendForSignatureInput(
                    mission_id=self.start.mission_id,
                    # Negative: the amendment's request never meets a letter version.
                    version=-amendment.number,
                    document_id=amendment.document_id,
                    provider=ask.provider,
                    firm_representative_id=amendment.letter.firm_representative_id,
                    client_representative_id=amendment.letter.client_representative_id,
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
            amendment.sent_at = amendment.last_heard_at = workflow.now()
            await self._record_amendment(AWAITING, ask.by, f"sent to {ask.provider}")
            self._mail_about_amendment(
                amendment, MailKind.letter_to_sign, signing_links=amendment.signature.signing_links
            )
            return self._amendment_answer()

    @request_amendment_signature.validator
    def _validate_request_amendment_signature(self, ask: AmendmentSignatureAsk) -> None:
        self._amendment_in(ask.amendment_id, ("letter_generated",))

    @workflow.update(name=AmendmentUpdates.cancel_amendment)
    async def cancel_amendment(self, cancel: AmendmentCancel) -> AmendmentAnswer:
        async with self.turn:
            amendment = self._amendment_in(cancel.amendment_id, (*AMENDMENT_EDITABLE, AWAITING))
            answer = self._amendment_answer()
            if amendment.status == AWAITING:
                await self._cancel_amendment_at_provider(cancel.reason or "cancelled by the firm")
            await self._end_amendment("cancelled", cancel.by, cancel.reason or "cancelled")
            answer.status = "cancelled"
            return answer

    @cancel_amendment.validator
    def _validate_cancel_amendment(self, cancel: AmendmentCancel) -> None:
        self._amendment_in(cancel.amendment_id, (*AMENDMENT_EDITABLE, AWAITING))

    async def _cancel_amendment_at_provider(self, reason: str) -> None:
        amendment = self.state.amendment
        if amendment is not None and amendment.signature is not None:
            await self._cancel_signature(amendment.signature.signature_id, reason)

    async def _close_amendment(self, reason: str) -> None:
        """The mission ends (terminated, cancelled): so does its amendment in progress."""
        amendment = self.state.amendment
        if amendment is None:
            return
        if amendment.status == AWAITING:
            await self._cancel_amendment_at_provider(reason)
        await self._end_amendment("cancelled", "sceau", reason)

    # --- its status and its timeline --------------------------------------------------------

    def _amendment_answer(self) -> AmendmentAnswer:
        amendment = self.state.amendment
        assert amendment is not None
        return AmendmentAnswer(
            amendment_id=amendment.amendment_id,
            number=amendment.number,
            status=amendment.status,
            document_id=amendment.document_id,
            version=amendment.letter_version,
            signature=amendment.signature,
        )

    async def _record_amendment(self, status: str, by: str, reason: str) -> None:
        """The amendment's status and its entry in the mission's timeline, once (seq)."""
        amendment = self.state.amendment
        assert amendment is not None
        self.state.seq += 1
        await database_step(
            self.state,
            AmendmentActivities.record_amendment,
            AmendmentStatusInput(
                mission_id=self.start.mission_id,
                amendment_id=amendment.amendment_id,
                seq=self.state.seq,
                status=status,
                by=by,
                reason=reason,
                at=workflow.now().isoformat(),
                document_id=amendment.document_id,
                signature_id=amendment.signature.signature_id if amendment.signature else "",
                letter_version=amendment.letter_version,
            ),
            retry_policy=RETRY_UNTIL_DONE,
        )
        amendment.status = status

    async def _end_amendment(self, status: str, by: str, reason: str) -> None:
        """Signed, declined, expired or cancelled: the mission may take another amendment."""
        await self._record_amendment(status, by, reason)
        self.state.amendment = None

    # --- the provider's events (routed here by SignatureWait) ---------------------------------

    async def _route_to_amendment(self, event: SignatureEvent) -> bool:
        """An event about another signature request than the mission's letter's is the
        amendment's: handled here, or ignored once that amendment has ended."""
        letter = self.state.signature
        if not event.signature_id or (letter and letter.signature_id == event.signature_id):
            return False
        amendment = self.state.amendment
        signature = amendment.signature if amendment else None
        if amendment is None or signature is None or signature.signature_id != event.signature_id:
            workflow.logger.info("ignoring %s event of an ended amendment", event.kind)
            return True
        await self._handle_amendment_event(event)
        return True

    async def _handle_amendment_event(self, event: SignatureEvent) -> None:
        amendment = self.state.amendment
        if amendment is None or amendment.status != AWAITING or amendment.signature is None:
            return
        signature_id = amendment.signature.signature_id
        if event.kind == SignatureEventKind.signer_done:
            if event.signer_email and event.signer_email not in amendment.signers_done:
                amendment.signers_done.append(event.signer_email)
                await self._signature_status(signature_id, "ongoing", event.signer_email)
        elif event.kind == SignatureEventKind.done:
            await self._amendment_signed()
        elif event.kind in ENDINGS:
            status = ENDINGS[SignatureEventKind(event.kind)]
            await self._signature_status(signature_id, event.kind)
            who = "signer" if status == "declined" else "provider"
            await self._end_amendment(status, who, event.reason or status)
            if status == "declined":
                self._mail_about_amendment(
                    amendment,
                    MailKind.letter_declined,
                    signer_email=event.signer_email,
                    reason=event.reason,
                )
            elif status == "expired":
                self._mail_about_amendment(amendment, MailKind.letter_expired)

    def _mail_about_amendment(
        self, amendment: AmendmentInProgress, kind: MailKind, **facts: Any
    ) -> None:
        """Post the e-mail about the amendment's letter, as about a letter: its signature
        request is the letter version -N (workflows/notifications.py)."""
        self.mail.post(
            MailOccasion(
                kind,
                mission_id=self.start.mission_id,
                letter_version=-amendment.number,
                expires_on=self._expiry(amendment.sent_at).date().isoformat(),
                **facts,
            )
        )

    async def _amendment_signed(self) -> None:
        """File the signed amendment, change the lines from its date, open what is open now."""
        amendment = self.state.amendment
        assert amendment is not None and amendment.signature is not None
        await workflow.execute_activity(
            AmendmentActivities.file_signed_amendment,
            FileSignedAmendmentInput(amendment.amendment_id, amendment.signature.signature_id),
            start_to_close_timeout=SLOW_STEP_TIMEOUT,
            retry_policy=RETRY_UNTIL_DONE,
        )
        amendment.signature.status = "done"
        await self._end_amendment(
            "signed",
            "signers",
            f"all signers signed: the new lines from {amendment.effective_date}",
        )
        # The new lines' slices that have already begun open now; the rest on their timers.
        if self.state.by_period:
            await self._open_work()
            self._show_operators_view()
        else:
            await workflow.execute_activity(
                Activities.create_work,
                self.start.mission_id,
                start_to_close_timeout=SLOW_STEP_TIMEOUT,
                retry_policy=RETRY_UNTIL_DONE,
                result_type=WorkCreated,
            )

    # --- timers: expiry, reminders, status polls -----------------------------------------------

    def _amendment_deadline(self) -> datetime | None:
        """While the amendment waits for signatures: the nearest of its expiry, next reminder
        and next status poll."""
        amendment = self.state.amendment
        if amendment is None or amendment.status != AWAITING or amendment.sent_at is None:
            return None
        instants = (
            self._expiry(amendment.sent_at),
            self._next_reminder(amendment.sent_at, amendment.reminders_sent),
            self._next_poll(amendment.last_heard_at),
        )
        return min(instant for instant in instants if instant is not None)

    async def _amendment_deadline_passed(self) -> None:
        amendment = self.state.amendment
        assert amendment is not None and amendment.signature is not None
        now = workflow.now()
        if now >= self._expiry(amendment.sent_at):
            await self._cancel_amendment_at_provider("signature window expired")
            await self._end_amendment("expired", "sceau", "no signature in time")
            self._mail_about_amendment(amendment, MailKind.letter_expired)
            return
        reminder = self._next_reminder(amendment.sent_at, amendment.reminders_sent)
        poll = self._next_poll(amendment.last_heard_at)
        if reminder is not None and now >= reminder:
            amendment.reminders_sent += 1
            await self._remind_signers(amendment.signature.signature_id, amendment.reminders_sent)
        if poll is not None and now >= poll:
            await self._poll_amendment(amendment)

    async def _poll_amendment(self, amendment: AmendmentInProgress) -> None:
        """Ask the provider where the amendment's request stands; act as if it had said so."""
        assert amendment.signature is not None
        amendment.polls += 1
        amendment.last_heard_at = workflow.now()
        signature_id = amendment.signature.signature_id
        try:
            answer = await workflow.execute_activity(
                Activities.fetch_signature_status,
                signature_id,
                start_to_close_timeout=STEP_TIMEOUT,
                retry_policy=RETRY_A_FEW_TIMES,
                result_type=ProviderStatus,
            )
        except ActivityError:
            workflow.logger.warning("could not ask the provider for the amendment's status")
            return
        prefix = f"amendment-poll-{amendment.number}-{amendment.polls}"
        if answer.status not in FINAL_PROVIDER_STATUSES:
            for email in answer.signed_emails:
                await self._handle_amendment_event(
                    SignatureEvent(f"{prefix}-{email}", "signer_done", signer_email=email)
                )
            return
        reason = answer.reason or f"{answer.status}, as the provider reported when asked"
        await self._handle_amendment_event(SignatureEvent(prefix, answer.status, reason=reason))
