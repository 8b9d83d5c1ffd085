"""MissionWorkflow: one per mission, the only writer of its status."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey, SearchAttributePair
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.messages import (
        DOCUMENT_HEARTBEAT,
        DOCUMENT_TIMEOUT,
        NON_RETRYABLE_ERRORS,
        Activities,
        CancelRequest,
        CancelSignatureInput,
        CarriedState,
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

MISSION_STATUS = SearchAttributeKey.for_keyword("MissionStatus")
FIRM_ID = SearchAttributeKey.for_keyword("FirmId")
CLIENT_ID = SearchAttributeKey.for_keyword("ClientId")
LETTER_VERSION = SearchAttributeKey.for_int("LetterVersion")

EDITABLE = ("draft", "letter_generated")
TERMINAL = ("completed", "declined", "expired", "cancelled")

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
FINAL_PROVIDER_STATUSES = frozenset({"done", "declined", "expired", "canceled"})


class Rejected(ApplicationError):
    """An update that the mission's current state forbids; the API answers 409."""

    def __init__(self, message: str) -> None:
        super().__init__(message, type="Conflict", non_retryable=True)


@workflow.defn
class MissionWorkflow:
    @workflow.init
    def __init__(self, start: MissionStart) -> None:
        self.start = start
        self.status: str | None = None
        self.seq = 0
        self.period_end: str | None = None
        self.letter: LetterRequest | None = None
        self.letter_version = 0
        self.letter_document_ids: list[str] = []
        self.signature: SignatureStarted | None = None
        self.sent_at: datetime | None = None
        self.signers_done: list[str] = []
        self.seen_event_ids: set[str] = set()
        self.inbox: list[SignatureEvent | CancelRequest] = []
        # Handlers and the main loop take turns; each runs its activities without interleaving.
        self.turn = asyncio.Lock()
        self.reminders_sent = 0
        # When the provider last told us something (an event, or an answer to a poll).
        self.last_heard_at: datetime | None = None
        self.polls = 0
        # Whether this mission keeps reminder and poll timers while it waits (None: not yet
        # decided). Missions that waited before those timers existed replay without them.
        self.signature_timers: bool | None = None
        self.runs = 1
        if start.carried is not None:
            self._restore(start.carried)

    @workflow.run
    async def run(self, start: MissionStart) -> MissionState:
        if start.carried is None:
            try:
                await workflow.wait_condition(
                    lambda: self.status is not None, timeout=FIRST_STATUS_TIMEOUT
                )
            except TimeoutError:
                # The update that started this workflow failed: nothing to keep it open for.
                return self.state()
        while self.status not in TERMINAL:
            if self.status == "awaiting_signature" and self.signature_timers is None:
                self.signature_timers = workflow.patched("signature-timers")
            if self._history_is_long():
                await self._continue_as_new()
            deadline = self._deadline()
            timeout = None
            if deadline is not None:
                timeout = max(deadline - workflow.now(), timedelta(seconds=1))
            with contextlib.suppress(TimeoutError):
                # An update may move the status on, and with it the deadline: wake for that too.
                await workflow.wait_condition(
                    lambda current=deadline: bool(self.inbox) or self._deadline() != current,  # type: ignore[misc]
                    timeout=timeout,
                )
            async with self.turn:
                while self.inbox and self.status not in TERMINAL:
                    await self._handle(self.inbox.pop(0))
                deadline = self._deadline()
                if deadline is not None and workflow.now() >= deadline:
                    await self._deadline_passed()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state()

    # --- queries -----------------------------------------------------------------------

    @workflow.query
    def state(self) -> MissionState:
        return MissionState(
            mission_id=self.start.mission_id,
            status=self.status,
            letter_version=self.letter_version,
            letter_document_ids=list(self.letter_document_ids),
            signature=self.signature,
            signers_done=list(self.signers_done),
            reminders_sent=self.reminders_sent,
            runs=self.runs,
        )

    # --- updates -------------------------------------------------------------------------

    @workflow.update(name=Updates.open_request)
    async def open_request(self, opened: RequestOpened) -> MissionState:
        async with self.turn:
            if self.status is None:
                await self._transition("requested", opened.by, "service request from the client")
            return self.state()

    @open_request.validator
    def _validate_open_request(self, opened: RequestOpened) -> None:
        if self.status not in (None, "requested"):
            raise Rejected(f"the mission is already {self.status}")

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
            self.period_end = draft.period_end
            await self._transition("draft", draft.by, "mission created")
            return self.state()

    @create_mission.validator
    def _validate_create_mission(self, draft: MissionDraft) -> None:
        if self.status not in (None, "requested"):
            raise Rejected(f"the mission already exists and is {self.status}")
        if not draft.lines:
            raise ApplicationError("a mission needs at least one line", type="InvalidInput")

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
            return self.state()

    @change_line.validator
    def _validate_change_line(self, change: LineChange) -> None:
        if self.status not in EDITABLE:
            raise Rejected(f"lines are frozen once the mission is {self.status}")

    @workflow.update(name=Updates.generate_letter)
    async def generate_letter(self, request: LetterRequest) -> LetterFiled:
        async with self.turn:
            self._require(EDITABLE, "generate the letter")
            version = self.letter_version + 1
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
            self.letter, self.letter_version = request, version
            self.letter_document_ids.append(document_id)
            await self._transition("letter_generated", request.by, f"letter version {version}")
            return LetterFiled(document_id=document_id, version=version, status=self.status or "")

    @generate_letter.validator
    def _validate_generate_letter(self, request: LetterRequest) -> None:
        if self.status not in EDITABLE:
            raise Rejected(f"no new letter once the mission is {self.status}")

    @workflow.update(name=Updates.request_signature)
    async def request_signature(self, ask: SignatureAsk) -> SignatureStarted:
        async with self.turn:
            self._require(("letter_generated",), "send the letter for signature")
            assert self.letter is not None
            self.signature = await workflow.execute_activity(
                Activities.send_for_signature,
                SendForSignatureInput(
                    mission_id=self.start.mission_id,
                    version=self.letter_version,
                    document_id=self.letter_document_ids[-1],
                    provider=ask.provider,
                    firm_representative_id=self.letter.firm_representative_id,
                    client_representative_id=self.letter.client_representative_id,
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
            self.sent_at = self.last_heard_at = workflow.now()
            await self._transition("awaiting_signature", ask.by, f"sent to {ask.provider}")
            return self.signature

    @request_signature.validator
    def _validate_request_signature(self, ask: SignatureAsk) -> None:
        if self.status != "letter_generated":
            raise Rejected(f"only a generated letter can be sent; the mission is {self.status}")

    # --- signals -------------------------------------------------------------------------

    @workflow.signal(name=Signals.signature_event)
    def signature_event(self, event: SignatureEvent) -> None:
        # Providers deliver at least once: an event seen before is dropped here.
        if event.event_id in self.seen_event_ids:
            return
        self.seen_event_ids.add(event.event_id)
        self.last_heard_at = workflow.now()
        self.inbox.append(event)

    @workflow.signal(name=Signals.cancel)
    def cancel(self, request: CancelRequest) -> None:
        self.inbox.append(request)

    # --- the steps -----------------------------------------------------------------------

    async def _handle(self, message: SignatureEvent | CancelRequest) -> None:
        if isinstance(message, CancelRequest):
            if self.status == "awaiting_signature":
                await self._cancel_at_provider(message.reason or "cancelled by the firm")
            await self._transition("cancelled", message.by, message.reason)
            return
        if self.status != "awaiting_signature":
            workflow.logger.info("ignoring %s event while %s", message.kind, self.status)
            return
        if message.kind == "signer_done":
            if message.signer_email and message.signer_email not in self.signers_done:
                self.signers_done.append(message.signer_email)
                await self._record_signature("ongoing", message.signer_email)
        elif message.kind == "done":
            await self._complete_signature()
        elif message.kind == "declined":
            await self._record_signature("declined")
            await self._transition("declined", "signer", message.reason)
            if workflow.patched("declined-follow-up"):
                await workflow.execute_activity(
                    Activities.create_follow_up_task,
                    FollowUpInput(self.start.mission_id, message.reason),
                    start_to_close_timeout=STEP_TIMEOUT,
                    retry_policy=RETRY_UNTIL_DONE,
                )
        elif message.kind == "expired":
            await self._record_signature("expired")
            await self._transition("expired", "provider", message.reason or "expired")
        elif message.kind == "canceled":
            await self._record_signature("canceled")
            await self._transition("cancelled", "provider", message.reason or "cancelled")

    async def _record_signature(self, status: str, signer_email: str = "") -> None:
        assert self.signature is not None
        self.signature.status = status
        await workflow.execute_activity(
            Activities.record_signature_status,
            SignatureStatusInput(self.signature.signature_id, status, signer_email),
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=RETRY_UNTIL_DONE,
        )

    async def _complete_signature(self) -> None:
        assert self.signature is not None
        await workflow.execute_activity(
            Activities.file_signed_letter,
            FileSignedInput(self.start.mission_id, self.signature.signature_id),
            start_to_close_timeout=SLOW_STEP_TIMEOUT,
            retry_policy=RETRY_UNTIL_DONE,
        )
        self.signature.status = "done"
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
        if self.signature is None:
            return
        await workflow.execute_activity(
            Activities.cancel_signature,
            CancelSignatureInput(self.signature.signature_id, reason),
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=RETRY_UNTIL_DONE,
        )

    async def _transition(self, status: str, by: str, reason: str) -> None:
        self.seq += 1
        await workflow.execute_activity(
            Activities.record_transition,
            TransitionInput(
                mission_id=self.start.mission_id,
                firm_id=self.start.firm_id,
                client_id=self.start.client_id,
                seq=self.seq,
                status=status,
                by=by,
                reason=reason,
                at=workflow.now().isoformat(),
                service_request_id=self.start.service_request_id,
            ),
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=RETRY_UNTIL_DONE,
        )
        self.status = status
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
        assert self.status is not None
        return [
            SearchAttributePair(MISSION_STATUS, self.status),
            SearchAttributePair(FIRM_ID, self.start.firm_id),
            SearchAttributePair(CLIENT_ID, self.start.client_id),
            SearchAttributePair(LETTER_VERSION, self.letter_version),
        ]

    def _operators_memo(self) -> dict[str, Any]:
        """Shown beside the search attributes; merged into the ids the API starts it with."""
        return {"status": self.status, "letter_version": self.letter_version}

    def _require(self, allowed: tuple[str | None, ...], action: str) -> None:
        # Validators run before the lock; the state may have moved on while this waited.
        if self.status not in allowed:
            raise Rejected(f"cannot {action}: the mission is {self.status}")

    def _deadline(self) -> datetime | None:
        """When the loop must act by itself: signature expiry, a reminder or a status poll
        while the letter waits; the period's end once the mission is active."""
        if self.status == "awaiting_signature" and self.sent_at is not None:
            expiry = self._expiry()
            if self.signature_timers:
                return min(t for t in (expiry, self._next_reminder(), self._next_poll()) if t)
            return expiry
        if self.status == "active" and self.period_end is not None:
            day_after = date.fromisoformat(self.period_end) + timedelta(days=1)
            return datetime(day_after.year, day_after.month, day_after.day, tzinfo=UTC)
        return None

    def _expiry(self) -> datetime:
        assert self.sent_at is not None
        return self.sent_at + timedelta(days=self.start.signature_expiry_days)

    def _next_reminder(self) -> datetime | None:
        interval = self.start.signature_reminder_interval_days
        if self.sent_at is None or interval <= 0:
            return None
        if self.reminders_sent >= self.start.signature_reminder_max:
            return None
        return self.sent_at + timedelta(days=interval * (self.reminders_sent + 1))

    def _next_poll(self) -> datetime | None:
        hours = self.start.signature_poll_after_hours
        if self.last_heard_at is None or hours <= 0:
            return None
        return self.last_heard_at + timedelta(hours=hours)

    async def _deadline_passed(self) -> None:
        if self.status == "awaiting_signature":
            now = workflow.now()
            if now >= self._expiry():
                await self._cancel_at_provider("signature window expired")
                await self._transition("expired", "sceau", "no signature in time")
                return
            reminder, poll = self._next_reminder(), self._next_poll()
            if reminder is not None and now >= reminder:
                await self._remind()
            if self.status == "awaiting_signature" and poll is not None and now >= poll:
                await self._poll()
        elif self.status == "active":
            await self._transition("completed", "sceau", "period ended")

    # --- waiting for signatures: reminders and the fallback for lost webhooks ------------

    async def _remind(self) -> None:
        assert self.signature is not None
        self.reminders_sent += 1
        with contextlib.suppress(ActivityError):
            await workflow.execute_activity(
                Activities.remind_signers,
                RemindInput(self.signature.signature_id, self.reminders_sent),
                start_to_close_timeout=STEP_TIMEOUT,
                retry_policy=RETRY_A_FEW_TIMES,
            )

    async def _poll(self) -> None:
        """Ask the provider where the request stands, and act as if it had sent the events."""
        assert self.signature is not None
        self.polls += 1
        self.last_heard_at = workflow.now()
        try:
            answer = await workflow.execute_activity(
                Activities.fetch_signature_status,
                self.signature.signature_id,
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
                    SignatureEvent(f"poll-{self.polls}-{email}", "signer_done", signer_email=email)
                )
            return
        reason = answer.reason or f"{answer.status}, as the provider reported when asked"
        await self._handle(SignatureEvent(f"poll-{self.polls}", answer.status, reason=reason))

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
        carried = self._carry()
        workflow.logger.info("continuing as new after %d runs", self.runs)
        # The next run starts with what the Web UI shows now, complete even when this run
        # kept the old upserts (continue-as-new's options are not compared on replay).
        workflow.continue_as_new(
            dataclasses.replace(self.start, carried=carried),
            search_attributes=workflow.info().typed_search_attributes.updated(
                *self._operators_attributes()
            ),
            memo={**workflow.memo(), **self._operators_memo()},
        )

    def _carry(self) -> CarriedState:
        assert self.status is not None
        events = [m for m in self.inbox if isinstance(m, SignatureEvent)]
        cancels = [m for m in self.inbox if isinstance(m, CancelRequest)]
        return CarriedState(
            status=self.status,
            seq=self.seq,
            period_end=self.period_end,
            letter=self.letter,
            letter_version=self.letter_version,
            letter_document_ids=list(self.letter_document_ids),
            signature=self.signature,
            sent_at=self.sent_at.isoformat() if self.sent_at else None,
            signers_done=list(self.signers_done),
            seen_event_ids=sorted(self.seen_event_ids),
            pending_events=events,
            pending_cancel=cancels[0] if cancels else None,
            reminders_sent=self.reminders_sent,
            last_heard_at=self.last_heard_at.isoformat() if self.last_heard_at else None,
            polls=self.polls,
            signature_timers=bool(self.signature_timers),
            runs=self.runs + 1,
        )

    def _restore(self, carried: CarriedState) -> None:
        self.status = carried.status
        self.seq = carried.seq
        self.period_end = carried.period_end
        self.letter = carried.letter
        self.letter_version = carried.letter_version
        self.letter_document_ids = list(carried.letter_document_ids)
        self.signature = carried.signature
        self.sent_at = datetime.fromisoformat(carried.sent_at) if carried.sent_at else None
        self.signers_done = list(carried.signers_done)
        self.seen_event_ids = set(carried.seen_event_ids)
        self.inbox = [*carried.pending_events]
        if carried.pending_cancel is not None:
            self.inbox.append(carried.pending_cancel)
        self.reminders_sent = carried.reminders_sent
        self.last_heard_at = (
            datetime.fromisoformat(carried.last_heard_at) if carried.last_heard_at else None
        )
        self.polls = carried.polls
        # A mission carried over was decided already; its next run keeps the same timers.
        self.signature_timers = carried.signature_timers
        self.runs = carried.runs
