"""The mission's lifecycle, as a base of MissionWorkflow: the state it keeps, the updates that
build the mission (open, create, lines, letter), each transition with the operators' view of
it, the end of the period, and continue-as-new."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributePair
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from contracts.errors import ErrorType, invalid
    from contracts.mail import MailKind, MailOccasion
    from contracts.messages import (
        Activities,
        ChangeLineInput,
        FileLetterInput,
        LetterFiled,
        LetterRequest,
        LineChange,
        MissionDraft,
        MissionStart,
        MissionState,
        MissionWorkflowState,
        RenderInput,
        RequestOpened,
        SaveMissionInput,
        TransitionInput,
        Updates,
    )
    from contracts.search_attributes import CLIENT_ID, FIRM_ID, LETTER_VERSION, MISSION_STATUS
    from contracts.statuses import LETTER_EDITABLE_STATUSES

from workflows.letter_pdf import render_letter_pdf
from workflows.notifications import Outbox
from workflows.patches import OPERATORS_VIEW
from workflows.policies import RETRY_UNTIL_DONE, RETRY_WHILE_CALLER_WAITS, STEP_TIMEOUT
from workflows.steps import database_step


class Rejected(ApplicationError):
    """An update that the mission's current state forbids; the API answers 409."""

    def __init__(self, message: str) -> None:
        super().__init__(message, type=ErrorType.conflict, non_retryable=True)


class MissionLifecycle:
    # Set by MissionWorkflow.__init__: the start input; everything the mission remembers,
    # carried whole to the next run by continue-as-new; the lock with which handlers and the
    # main loop take turns, each running its activities without interleaving.
    start: MissionStart
    state: MissionWorkflowState
    turn: asyncio.Lock
    # The e-mails the run is sending (workflows/notifications.py).
    mail: Outbox

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
                self.mail.post(
                    MailOccasion(
                        MailKind.service_request, service_request_id=opened.service_request_id
                    )
                )
            return self.snapshot()

    @open_request.validator
    def _validate_open_request(self, opened: RequestOpened) -> None:
        if self.state.status not in (None, "requested"):
            raise Rejected(f"the mission is already {self.state.status}")

    @workflow.update(name=Updates.create_mission)
    async def create_mission(self, draft: MissionDraft) -> MissionState:
        async with self.turn:
            self._require((None, "requested"), "create the mission")
            await database_step(
                self.state,
                Activities.save_mission,
                SaveMissionInput(
                    self.start.mission_id,
                    self.start.firm_id,
                    self.start.client_id,
                    self.start.service_request_id,
                    draft,
                ),
                retry_policy=RETRY_WHILE_CALLER_WAITS,
            )
            self.state.period_end = draft.period_end
            self.state.period_start = draft.period_start
            self.state.renewal, self.state.notice_months = draft.renewal, draft.notice_months
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
            self._require(LETTER_EDITABLE_STATUSES, "change a line")
            await database_step(
                self.state,
                Activities.change_line,
                ChangeLineInput(self.start.mission_id, change),
                retry_policy=RETRY_WHILE_CALLER_WAITS,
            )
            return self.snapshot()

    @change_line.validator
    def _validate_change_line(self, change: LineChange) -> None:
        if self.state.status not in LETTER_EDITABLE_STATUSES:
            raise Rejected(f"lines are frozen once the mission is {self.state.status}")

    @workflow.update(name=Updates.generate_letter)
    async def generate_letter(self, request: LetterRequest) -> LetterFiled:
        async with self.turn:
            self._require(LETTER_EDITABLE_STATUSES, "generate the letter")
            version = self.state.letter_version + 1
            pdf_name = await render_letter_pdf(
                RenderInput(
                    mission_id=self.start.mission_id,
                    version=version,
                    template_id=request.template_id,
                    firm_representative_id=request.firm_representative_id,
                    client_representative_id=request.client_representative_id,
                    scratch_name=f"{self.start.mission_id}/v{version}.docx",
                    letter_date=workflow.now().date().isoformat(),
                ),
                task_queue=self.start.documents_queue,
                retry_policy=RETRY_WHILE_CALLER_WAITS,
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
        if self.state.status not in LETTER_EDITABLE_STATUSES:
            raise Rejected(f"no new letter once the mission is {self.state.status}")

    def _require(self, allowed: tuple[str | None, ...], action: str) -> None:
        # Validators run before the lock; the state may have moved on while this waited.
        if self.state.status not in allowed:
            raise Rejected(f"cannot {action}: the mission is {self.state.status}")

    # --- transitions and the operators' view ----------------------------------------------

    async def _transition(self, status: str, by: str, reason: str) -> None:
        self.state.seq += 1
        await database_step(
            self.state,
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
            retry_policy=RETRY_UNTIL_DONE,
        )
        self.state.status = status
        # The letter version and the memo came later: each upsert of the memo is one more
        # command, so a mission that started before keeps the old sequence for this run.
        if workflow.patched(OPERATORS_VIEW):
            self._show_operators_view()
        else:
            workflow.upsert_search_attributes(
                [
                    MISSION_STATUS.value_set(status),
                    FIRM_ID.value_set(self.start.firm_id),
                    CLIENT_ID.value_set(self.start.client_id),
                ]
            )

    def _show_operators_view(self) -> None:
        """The search attributes and the memo as the mission stands (two commands)."""
        workflow.upsert_search_attributes(
            [pair.key.value_set(pair.value) for pair in self._operators_attributes()]
        )
        workflow.upsert_memo(self._operators_memo())

    def _operators_attributes(self) -> list[SearchAttributePair[Any]]:
        """What operators filter missions on in the Web UI (domain/temporal.py registers it)."""
        assert self.state.status is not None
        return [
            SearchAttributePair(MISSION_STATUS, self.state.status),
            SearchAttributePair(FIRM_ID, self.start.firm_id),
            SearchAttributePair(CLIENT_ID, self.start.client_id),
            SearchAttributePair(LETTER_VERSION, self.state.letter_version),
            *self._period_attributes(),
        ]

    def _operators_memo(self) -> dict[str, Any]:
        """Shown beside the search attributes; merged into the ids the API starts it with."""
        return {
            "status": self.state.status,
            "letter_version": self.state.letter_version,
            **self._period_memo(),
        }

    # The period's part of that view, once the mission runs period by period (periods.py).
    def _period_attributes(self) -> list[SearchAttributePair[Any]]:
        return []

    def _period_memo(self) -> dict[str, Any]:
        return {}

    # --- the period, and bounded history ---------------------------------------------------

    def _period_over(self) -> datetime | None:
        """When an active mission completes: the day after its period's end."""
        if self.state.period_end is None:
            return None
        day_after = date.fromisoformat(self.state.period_end) + timedelta(days=1)
        return datetime(day_after.year, day_after.month, day_after.day, tzinfo=UTC)

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() >= self.start.history_event_limit
        )

    async def _continue_as_new(self) -> None:
        # An update still running would be lost with this run: let each one finish first.
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self.mail.all_sent()
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
