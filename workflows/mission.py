"""MissionWorkflow: one per mission, the only writer of its status."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributePair
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from contracts.errors import NON_RETRYABLE_ERRORS, ErrorType, invalid
    from contracts.messages import (
        DOCUMENT_HEARTBEAT,
        DOCUMENT_TIMEOUT,
        Activities,
        CancelRequest,
        CancelSignatureInput,
        ChangeLineInput,
        ConvertInput,
        FileLetterInput,
        FileSignedInput,
        FollowUpInput,
        LetterFiled,
        LetterRequest,
        LineChange,
        MissionDraft,
        MissionStart,
        MissionState,
        MissionWorkflowState,
        ProviderStatus,
        RemindInput,
        RenderInput,
        RequestOpened,
        SaveMissionInput,
        SendForSignatureInput,
        Signals,
        SignatureAsk,
        SignatureEvent,
        SignatureStarted,
        SignatureStatusInput,
        TransitionInput,
        Updates,
        WorkCreated,
    )
    from contracts.search_attributes import CLIENT_ID, FIRM_ID, LETTER_VERSION, MISSION_STATUS
    from contracts.statuses import TERMINAL_STATUSES, MissionStatus, SignatureEventKind

EDITABLE = (MissionStatus.draft, MissionStatus.letter_generated)

# An update's caller waits for the answer: eight attempts in about a minute and a half, then
# the update fails.
RETRY_WHILE_CALLER_WAITS = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=8,
    non_retryable_error_types=NON_RETRYABLE_ERRORS,
)
# Steps driven by signals and timers have no caller to report to: they retry until they
# succeed (an operator sees the failing attempts in the Web UI) rather than fail the mission.
RETRY_UNTIL_DONE = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=NON_RETRYABLE_ERRORS,
)
# Reminders and status polls are worth a few attempts, never the mission: see _poll.
RETRY_A_FEW_TIMES = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
    maximum_attempts=5,
    non_retryable_error_types=NON_RETRYABLE_ERRORS,
)
# Start-to-close timeouts: most steps (a few database writes or one call to the provider); the
# slow ones (sending the letter for signature, filing the signed letter, creating the year's
# work). Rendering and converting the letter take DOCUMENT_TIMEOUT.
STEP_TIMEOUT = timedelta(seconds=30)
SLOW_STEP_TIMEOUT = timedelta(minutes=2)
# How long a new workflow waits for the update that started it to record a first status.
FIRST_STATUS_TIMEOUT = timedelta(hours=1)
# What the provider reports when asked that ends the wait, as the event it would have sent
# (the provider's status and the event's kind are the same words).
FINAL_PROVIDER_STATUSES = frozenset(SignatureEventKind) - {SignatureEventKind.signer_done}


class Rejected(ApplicationError):
    """An update that the mission's current state forbids; the API answers 409."""

    def __init__(self, message: str) -> None:
        super().__init__(message, type=ErrorType.conflict, non_retryable=True)


@workflow.defn
class MissionWorkflow:
    @workflow.init
    def __init__(self, start: MissionStart) -> None:
        self.start = start
        # Everything the mission remembers, carried whole to the next run by continue-as-new.
        self.state = start.carried if start.carried is not None else MissionWorkflowState()
        # Handlers and the main loop take turns; each runs its activities without interleaving.
        self.turn = asyncio.Lock()

    @workflow.run
    async def run(self, start: MissionStart) -> MissionState:
        if start.carried is None:
            try:
                await workflow.wait_condition(
                    lambda: self.state.status is not None, timeout=FIRST_STATUS_TIMEOUT
                )
            except TimeoutError:
                # The update that started this workflow failed: nothing to keep it open for.
                return self.snapshot()
        while self.state.status not in TERMINAL_STATUSES:
            if self.state.status == "awaiting_signature" and self.state.signature_timers is None:
                self.state.signature_timers = workflow.patched("signature-timers")
            if self._history_is_long():
                await self._continue_as_new()
            deadline = self._deadline()
            timeout = None
            if deadline is not None:
                timeout = max(deadline - workflow.now(), timedelta(seconds=1))
            with contextlib.suppress(TimeoutError):
                # An update may move the status on, and with it the deadline: wake for that too.
                await workflow.wait_condition(
                    lambda current=deadline: self._has_messages() or self._deadline() != current,  # type: ignore[misc]
                    timeout=timeout,
                )
            async with self.turn:
                while (
                    self.state.status not in TERMINAL_STATUSES
                    and (message := self._next_message()) is not None
                ):
                    await self._handle(message)
                deadline = self._deadline()
                if deadline is not None and workflow.now() >= deadline:
                    await self._deadline_passed()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.snapshot()

    # --- queries -----------------------------------------------------------------------

    @workflow.query(name="state")
    def snapshot(self) -> MissionState:
        return MissionState(
            mission_id=self.start.mission_id,
            status=self.state.status,
            letter_version=self.state.letter_version,
            letter_document_ids=list(self.state.letter_document_ids),
            signature=self.state.signature,
            signers_done=list(self.state.signers_done),
            reminders_sent=self.state.reminders_sent,
            runs=self.state.runs,
        )

    # --- updates -------------------------------------------------------------------------

    @workflow.update(name=Updates.open_request)
    async def open_request(self, opened: RequestOpened) -> MissionState:
        async with self.turn:
            if self.state.status is None:
                await self._transition("requested", opened.by, "service request from the client")
            return self.snapshot()

    @open_request.validator
    def _validate_open_request(self, opened: RequestOpened) -> None:
        if self.state.status not in (None, "requested"):
            raise Rejected(f"the mission is already {self.state.status}")

    @workflow.update(name=Updates.create_mission)
    async def create_mission(self, draft: MissionDraft) -> MissionState:
        async with self.turn:
            self._require((None, "requested"), "create the mission")
            await workflow.execute_activity(
                Activities.save_mission,
                SaveMissionInput(
                    self.start.mission_id,
                    self.start.firm_id,
                    self.start.client_id,
                    self.start.service_request_id,
                    draft,
                ),
                start_to_close_timeout=STEP_TIMEOUT,
                retry_policy=RETRY_WHILE_CALLER_WAITS,
            )
            self.state.period_end = draft.period_end
            await self._transition("draft", draft.by, "mission created")
            return self.snapshot()

    @create_mission.validator
    def _validate_create_mission(self, draft: MissionDraft) -> None:
        if self.state.status not in (None, "requested"):
            raise Rejected(f"the mission already exists and is {self.state.status}")
        if not draft.lines:
            raise invalid("a mission needs at least one line")

    @workflow.update(name=Updates.change_line)
    async def change_line(self, change: LineChange) -> MissionState:
        async with self.turn:
            self._require(EDITABLE, "change a line")
            await workflow.execute_activity(
                Activities.change_line,
                ChangeLineInput(self.start.mission_id, change),
                start_to_close_timeout=STEP_TIMEOUT,
                retry_policy=RETRY_WHILE_CALLER_WAITS,
            )
            return self.snapshot()

    @change_line.validator
    def _validate_change_line(self, change: LineChange) -> None:
        if self.state.status not in EDITABLE:
            raise Rejected(f"lines are frozen once the mission is {self.state.status}")

    @workflow.update(name=Updates.generate_letter)
    async def generate_letter(self, request: LetterRequest) -> LetterFiled:
        async with self.turn:
            self._require(EDITABLE, "generate the letter")
            version = self.state.letter_version + 1
            base = f"{self.start.mission_id}/v{version}"
            docx_name = await workflow.execute_activity(
                Activities.render_letter,
                RenderInput(
                    mission_id=self.start.mission_id,
                    version=version,
                    template_id=request.template_id,
                    firm_representative_id=request.firm_representative_id,
                    client_representative_id=request.client_representative_id,
                    scratch_name=f"{base}.docx",
                    letter_date=workflow.now().date().isoformat(),
                ),
                task_queue=self.start.documents_queue,
                start_to_close_timeout=DOCUMENT_TIMEOUT,
                heartbeat_timeout=DOCUMENT_HEARTBEAT,
                retry_policy=RETRY_WHILE_CALLER_WAITS,
                result_type=str,
            )
            pdf_name = await workflow.execute_activity(
                Activities.convert_to_pdf,
                ConvertInput(docx_name),
                task_queue=self.start.documents_queue,
                start_to_close_timeout=DOCUMENT_TIMEOUT,
                heartbeat_timeout=DOCUMENT_HEARTBEAT,
                retry_policy=RETRY_WHILE_CALLER_WAITS,
                result_type=str,
            )
            document_id = await workflow.execute_activity(
                Activities.file_letter,
                FileLetterInput(self.start.mission_id, version, request.folder_id, pdf_name),
                start_to_close_timeout=STEP_TIMEOUT,
                retry_policy=RETRY_WHILE_CALLER_WAITS,
                result_type=str,
            )
            self.state.letter, self.state.letter_version = request, version
            self.state.letter_document_ids.append(document_id)
            await self._transition("letter_generated", request.by, f"letter version {version}")
            return LetterFiled(
                document_id=document_id, version=version, status=self.state.status or ""
            )

    @generate_letter.validator
    def _validate_generate_letter(self, request: LetterRequest) -> None:
        if self.state.status not in EDITABLE:
            raise Rejected(f"no new letter once the mission is {self.state.status}")

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
            return self.state.signature

    @request_signature.validator
    def _validate_request_signature(self, ask: SignatureAsk) -> None:
        if self.state.status != "letter_generated":
            raise Rejected(
                f"only a generated letter can be sent; the mission is {self.state.status}"
            )

    # --- signals -------------------------------------------------------------------------

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

    @workflow.signal(name=Signals.cancel)
    def cancel(self, request: CancelRequest) -> None:
        # The first cancel ends the mission; a second one would never be handled.
        if self.state.pending_cancel is None:
            self.state.pending_cancel = request

    def _has_messages(self) -> bool:
        return bool(self.state.pending_events) or self.state.pending_cancel is not None

    def _next_message(self) -> SignatureEvent | CancelRequest | None:
        """The next signal to handle, taken off the state: events in order, then the cancel."""
        if self.state.pending_events:
            return self.state.pending_events.pop(0)
        cancel, self.state.pending_cancel = self.state.pending_cancel, None
        return cancel

    # --- the steps -----------------------------------------------------------------------

    async def _handle(self, message: SignatureEvent | CancelRequest) -> None:
        if isinstance(message, CancelRequest):
            if self.state.status == "awaiting_signature":
                await self._cancel_at_provider(message.reason or "cancelled by the firm")
            await self._transition("cancelled", message.by, message.reason)
            return
        if self.state.status != "awaiting_signature":
            workflow.logger.info("ignoring %s event while %s", message.kind, self.state.status)
            return
        if message.kind == SignatureEventKind.signer_done:
            if message.signer_email and message.signer_email not in self.state.signers_done:
                self.state.signers_done.append(message.signer_email)
                await self._record_signature("ongoing", message.signer_email)
        elif message.kind == SignatureEventKind.done:
            await self._complete_signature()
        elif message.kind == SignatureEventKind.declined:
            await self._record_signature("declined")
            await self._transition("declined", "signer", message.reason)
            if workflow.patched("declined-follow-up"):
                await workflow.execute_activity(
                    Activities.create_follow_up_task,
                    FollowUpInput(self.start.mission_id, message.reason),
                    start_to_close_timeout=STEP_TIMEOUT,
                    retry_policy=RETRY_UNTIL_DONE,
                )
        elif message.kind == SignatureEventKind.expired:
            await self._record_signature("expired")
            await self._transition("expired", "provider", message.reason or "expired")
        elif message.kind == SignatureEventKind.canceled:
            await self._record_signature("canceled")
            await self._transition("cancelled", "provider", message.reason or "cancelled")

    async def _record_signature(self, status: str, signer_email: str = "") -> None:
        assert self.state.signature is not None
        self.state.signature.status = status
        await workflow.execute_activity(
            Activities.record_signature_status,
            SignatureStatusInput(self.state.signature.signature_id, status, signer_email),
            start_to_close_timeout=STEP_TIMEOUT,
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
        if self.state.signature is None:
            return
        await workflow.execute_activity(
            Activities.cancel_signature,
            CancelSignatureInput(self.state.signature.signature_id, reason),
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=RETRY_UNTIL_DONE,
        )

    async def _transition(self, status: str, by: str, reason: str) -> None:
        self.state.seq += 1
        await workflow.execute_activity(
            Activities.record_transition,
            TransitionInput(
                mission_id=self.start.mission_id,
                firm_id=self.start.firm_id,
                client_id=self.start.client_id,
                seq=self.state.seq,
                status=status,
                by=by,
                reason=reason,
                at=workflow.now().isoformat(),
                service_request_id=self.start.service_request_id,
            ),
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=RETRY_UNTIL_DONE,
        )
        self.state.status = status
        # The letter version and the memo came later: each upsert of the memo is one more
        # command, so a mission that started before keeps the old sequence for this run.
        if workflow.patched("operators-view"):
            workflow.upsert_search_attributes(
                [pair.key.value_set(pair.value) for pair in self._operators_attributes()]
            )
            workflow.upsert_memo(self._operators_memo())
        else:
            workflow.upsert_search_attributes(
                [
                    MISSION_STATUS.value_set(status),
                    FIRM_ID.value_set(self.start.firm_id),
                    CLIENT_ID.value_set(self.start.client_id),
                ]
            )

    def _operators_attributes(self) -> list[SearchAttributePair[Any]]:
        """What operators filter missions on in the Web UI (domain/temporal.py registers it)."""
        assert self.state.status is not None
        return [
            SearchAttributePair(MISSION_STATUS, self.state.status),
            SearchAttributePair(FIRM_ID, self.start.firm_id),
            SearchAttributePair(CLIENT_ID, self.start.client_id),
            SearchAttributePair(LETTER_VERSION, self.state.letter_version),
        ]

    def _operators_memo(self) -> dict[str, Any]:
        """Shown beside the search attributes; merged into the ids the API starts it with."""
        return {"status": self.state.status, "letter_version": self.state.letter_version}

    def _require(self, allowed: tuple[str | None, ...], action: str) -> None:
        # Validators run before the lock; the state may have moved on while this waited.
        if self.state.status not in allowed:
            raise Rejected(f"cannot {action}: the mission is {self.state.status}")

    def _deadline(self) -> datetime | None:
        """When the loop must act by itself: signature expiry, a reminder or a status poll
        while the letter waits; the period's end once the mission is active."""
        if self.state.status == "awaiting_signature" and self.state.sent_at is not None:
            expiry = self._expiry()
            if self.state.signature_timers:
                return min(t for t in (expiry, self._next_reminder(), self._next_poll()) if t)
            return expiry
        if self.state.status == "active" and self.state.period_end is not None:
            day_after = date.fromisoformat(self.state.period_end) + timedelta(days=1)
            return datetime(day_after.year, day_after.month, day_after.day, tzinfo=UTC)
        return None

    def _expiry(self) -> datetime:
        assert self.state.sent_at is not None
        return self.state.sent_at + timedelta(days=self.start.signature_expiry_days)

    def _next_reminder(self) -> datetime | None:
        interval = self.start.signature_reminder_interval_days
        if self.state.sent_at is None or interval <= 0:
            return None
        if self.state.reminders_sent >= self.start.signature_reminder_max:
            return None
        return self.state.sent_at + timedelta(days=interval * (self.state.reminders_sent + 1))

    def _next_poll(self) -> datetime | None:
        hours = self.start.signature_poll_after_hours
        if self.state.last_heard_at is None or hours <= 0:
            return None
        return self.state.last_heard_at + timedelta(hours=hours)

    async def _deadline_passed(self) -> None:
        if self.state.status == "awaiting_signature":
            now = workflow.now()
            if now >= self._expiry():
                await self._cancel_at_provider("signature window expired")
                await self._transition("expired", "sceau", "no signature in time")
                return
            reminder, poll = self._next_reminder(), self._next_poll()
            if reminder is not None and now >= reminder:
                await self._remind()
            if self.state.status == "awaiting_signature" and poll is not None and now >= poll:
                await self._poll()
        elif self.state.status == "active":
            await self._transition("completed", "sceau", "period ended")

    # --- waiting for signatures: reminders and the fallback for lost webhooks ------------

    async def _remind(self) -> None:
        assert self.state.signature is not None
        self.state.reminders_sent += 1
        with contextlib.suppress(ActivityError):
            await workflow.execute_activity(
                Activities.remind_signers,
                RemindInput(self.state.signature.signature_id, self.state.reminders_sent),
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
                await self._handle(
                    SignatureEvent(
                        f"poll-{self.state.polls}-{email}", "signer_done", signer_email=email
                    )
                )
            return
        reason = answer.reason or f"{answer.status}, as the provider reported when asked"
        await self._handle(SignatureEvent(f"poll-{self.state.polls}", answer.status, reason=reason))

    # --- bounded history ------------------------------------------------------------------

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() >= self.start.history_event_limit
        )

    async def _continue_as_new(self) -> None:
        # An update still running would be lost with this run: let each one finish first.
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.logger.info("continuing as new after %d runs", self.state.runs)
        carried = dataclasses.replace(
            self.state,
            runs=self.state.runs + 1,
            # A run that continues as new before its first wait for signatures has always
            # carried False here, not None: its next runs keep the expiry timer only.
            signature_timers=bool(self.state.signature_timers),
        )
        # The next run starts with what the Web UI shows now, complete even when this run
        # kept the old upserts (continue-as-new's options are not compared on replay).
        workflow.continue_as_new(
            dataclasses.replace(self.start, carried=carried),
            search_attributes=workflow.info().typed_search_attributes.updated(
                *self._operators_attributes()
            ),
            memo={**workflow.memo(), **self._operators_memo()},
        )
