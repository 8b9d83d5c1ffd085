"""MissionWorkflow: one per mission, the only writer of its status."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, date, datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.messages import (
        Activities,
        CancelRequest,
        CancelSignatureInput,
        ChangeLineInput,
        ConvertInput,
        FileLetterInput,
        FileSignedInput,
        LetterFiled,
        LetterRequest,
        LineChange,
        MissionDraft,
        MissionStart,
        MissionState,
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

EDITABLE = ("draft", "letter_generated")
TERMINAL = ("completed", "declined", "expired", "cancelled")

# Errors a retry cannot fix; the activities raise them with these types.
NON_RETRYABLE = ["TemplateError", "InvalidDocument", "ProviderRejected", "NotFound", "InvalidInput"]
RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=8,
    non_retryable_error_types=NON_RETRYABLE,
)
# Steps driven by signals and timers have no caller to report to: they retry until they
# succeed (an operator sees the failing attempts in the Web UI) rather than fail the mission.
UNTIL_DONE = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=NON_RETRYABLE,
)
SHORT = timedelta(seconds=30)
OPENING = timedelta(hours=1)
DOCUMENT_WORK = timedelta(minutes=3)


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

    @workflow.run
    async def run(self, start: MissionStart) -> MissionState:
        try:
            await workflow.wait_condition(lambda: self.status is not None, timeout=OPENING)
        except TimeoutError:
            # The update that started this workflow failed: nothing to keep it open for.
            return self.state()
        while self.status not in TERMINAL:
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
                start_to_close_timeout=SHORT,
                retry_policy=RETRY,
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
                start_to_close_timeout=SHORT,
                retry_policy=RETRY,
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
                start_to_close_timeout=DOCUMENT_WORK,
                retry_policy=RETRY,
                result_type=str,
            )
            pdf_name = await workflow.execute_activity(
                Activities.convert_to_pdf,
                ConvertInput(docx_name),
                task_queue=self.start.documents_queue,
                start_to_close_timeout=DOCUMENT_WORK,
                retry_policy=RETRY,
                result_type=str,
            )
            document_id = await workflow.execute_activity(
                Activities.file_letter,
                FileLetterInput(self.start.mission_id, version, request.folder_id, pdf_name),
                start_to_close_timeout=SHORT,
                retry_policy=RETRY,
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
                ),
                start_to_close_timeout=timedelta(minutes=2),
                retry_policy=RETRY,
                result_type=SignatureStarted,
            )
            self.sent_at = workflow.now()
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
        elif message.kind == "expired":
            await self._record_signature("expired")
            await self._transition("expired", "provider", message.reason or "expired")
        elif message.kind == "canceled":
            await self._record_signature("canceled")
            await self._transition("cancelled", "provider", message.reason or "cancelled")

    async def _record_signature(self, status: str, signer_email: str = "") -> None:
        assert self.signature is not None
        self.signature.status = "ongoing" if status == "ongoing" else status
        await workflow.execute_activity(
            Activities.record_signature_status,
            SignatureStatusInput(self.signature.signature_id, status, signer_email),
            start_to_close_timeout=SHORT,
            retry_policy=UNTIL_DONE,
        )

    async def _complete_signature(self) -> None:
        assert self.signature is not None
        await workflow.execute_activity(
            Activities.file_signed_letter,
            FileSignedInput(self.start.mission_id, self.signature.signature_id),
            start_to_close_timeout=timedelta(minutes=2),
            retry_policy=UNTIL_DONE,
        )
        self.signature.status = "done"
        await self._transition("signed", "signers", "all signers signed")
        created = await workflow.execute_activity(
            Activities.create_work,
            self.start.mission_id,
            start_to_close_timeout=timedelta(minutes=2),
            retry_policy=UNTIL_DONE,
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
            start_to_close_timeout=SHORT,
            retry_policy=UNTIL_DONE,
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
            start_to_close_timeout=SHORT,
            retry_policy=UNTIL_DONE,
        )
        self.status = status
        workflow.upsert_search_attributes(
            [
                MISSION_STATUS.value_set(status),
                FIRM_ID.value_set(self.start.firm_id),
                CLIENT_ID.value_set(self.start.client_id),
            ]
        )

    def _require(self, allowed: tuple[str | None, ...], action: str) -> None:
        # Validators run before the lock; the state may have moved on while this waited.
        if self.status not in allowed:
            raise Rejected(f"cannot {action}: the mission is {self.status}")

    def _deadline(self) -> datetime | None:
        """When the current status ends by itself: signature expiry, or the period's end."""
        if self.status == "awaiting_signature" and self.sent_at is not None:
            return self.sent_at + timedelta(days=self.start.signature_expiry_days)
        if self.status == "active" and self.period_end is not None:
            day_after = date.fromisoformat(self.period_end) + timedelta(days=1)
            return datetime(day_after.year, day_after.month, day_after.day, tzinfo=UTC)
        return None

    async def _deadline_passed(self) -> None:
        if self.status == "awaiting_signature":
            await self._cancel_at_provider("signature window expired")
            await self._transition("expired", "sceau", "no signature in time")
        elif self.status == "active":
            await self._transition("completed", "sceau", "period ended")
