"""After the signature, as a base of SignatureWait: the mission's work opened period by period
on durable timers, the consumer's renewal notice, tacit renewal (continuing as new) and
termination.

Every date in the firm's time (its time zone, its openings time) is worked out by the
activities, outside the sandbox: the workflow keeps the instants they answer and sleeps until
the nearest. A mission activated before the `work-by-period` patch (``state.by_period``
False) keeps all its work created at once and completes at its period's end, as it did.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributePair

with workflow.unsafe.imports_passed_through():
    from contracts.mail import MailKind, MailOccasion
    from contracts.messages import (
        DOCUMENT_HEARTBEAT,
        DOCUMENT_TIMEOUT,
        Activities,
        ConvertInput,
        EndWorkInput,
        NoticeInput,
        OpenWorkInput,
        RenewedPeriod,
        RenewInput,
        Termination,
        TerminationInput,
        TerminationRecorded,
        TerminationRequest,
        Updates,
        WorkOpened,
    )
    from contracts.search_attributes import RENEWAL_DATE
    from contracts.statuses import MissionStatus, Renewal

from workflows.lifecycle import MissionLifecycle, Rejected
from workflows.policies import RETRY_UNTIL_DONE, SLOW_STEP_TIMEOUT, STEP_TIMEOUT
from workflows.steps import database_step


class MissionPeriods(MissionLifecycle):
    # Set by MissionWorkflow.__init__: a renewal asks the main loop to continue as new once
    # it has let go of the handlers' lock.
    continue_now: bool

    # --- activation ---------------------------------------------------------------------

    async def _activate_by_period(self) -> None:
        """Signed: create the work of the slices open now, and sleep until the next."""
        self.state.by_period = True
        opened = await self._open_work()
        await self._transition(
            "active",
            "sceau",
            f"{opened.tasks} tasks and {opened.information_requests} information requests",
        )

    async def _open_work(self) -> WorkOpened:
        termination = self.state.termination
        as_of = workflow.now()
        opened = await database_step(
            self.state,
            Activities.open_work,
            OpenWorkInput(
                mission_id=self.start.mission_id,
                renewal_number=self.state.renewals,
                # None for a mission drafted before the state kept its period's start: the
                # activity reads the period and the renewal terms from the mission's row.
                period_start=self.state.period_start or "",
                period_end=self.state.period_end or "",
                renewal=self.state.renewal,
                notice_months=self.state.notice_months,
                as_of=as_of,
                until=termination.effective_on if termination else None,
            ),
            timeout=SLOW_STEP_TIMEOUT,
            retry_policy=RETRY_UNTIL_DONE,
            result_type=WorkOpened,
        )
        if self.state.period_start is None and opened.period_start:
            self.state.period_start, self.state.period_end = opened.period_start, opened.period_end
            self.state.renewal, self.state.notice_months = opened.renewal, opened.notice_months
        self.state.next_opening = opened.next_opening
        self.state.period_ends_at = opened.period_ends_at
        self.state.notice_from, self.state.notice_until = opened.notice_from, opened.notice_until
        if opened.information_requests:
            self.mail.post(
                MailOccasion(
                    MailKind.information_request,
                    self.start.mission_id,
                    opened_at=as_of.isoformat(),
                )
            )
        return opened

    # --- the timers of an active mission -------------------------------------------------

    def _active_deadline(self) -> datetime | None:
        """The next of: a slice opening, the consumer's notice, the termination, the period's
        end; a mission activated before periods existed: its period's end (UTC midnight) or
        its termination."""
        termination = self.state.termination.ends_at if self.state.termination else None
        if not self.state.by_period:
            return min((t for t in (self._period_over(), termination) if t), default=None)
        notice = None if self.state.notice_done else self.state.notice_from
        instants = (self.state.next_opening, notice, termination, self.state.period_ends_at)
        return min((t for t in instants if t is not None), default=None)

    async def _active_deadline_passed(self) -> None:
        now = workflow.now()
        termination = self.state.termination
        if termination is not None and now >= termination.ends_at:
            await self._terminate(termination)
            return
        if not self.state.by_period:
            await self._transition("completed", "sceau", "period ended")
            return
        assert self.state.period_ends_at is not None
        if now >= self.state.period_ends_at:
            if self.state.renewal == Renewal.tacit:
                await self._renew()
            else:
                await self._transition("completed", "sceau", "period ended")
            return
        notice = self.state.notice_from
        if not self.state.notice_done and notice is not None and now >= notice:
            # Once per period: filed inside its window, or not at all once the window is past.
            if self.state.notice_until is None or now < self.state.notice_until:
                await self._file_renewal_notice()
            self.state.notice_done = True
        if self.state.next_opening is not None and now >= self.state.next_opening:
            await self._open_work()
        self._show_operators_view()

    # --- renewal ---------------------------------------------------------------------------

    async def _renew(self) -> None:
        """A period of the same length, its first work opened, then a fresh history."""
        assert self.state.period_start is not None and self.state.period_end is not None
        self.state.seq += 1
        renewed = await database_step(
            self.state,
            Activities.renew_mission,
            RenewInput(
                mission_id=self.start.mission_id,
                seq=self.state.seq,
                renewal_number=self.state.renewals + 1,
                period_start=self.state.period_start,
                period_end=self.state.period_end,
                at=workflow.now().isoformat(),
            ),
            retry_policy=RETRY_UNTIL_DONE,
            result_type=RenewedPeriod,
        )
        self.state.renewals += 1
        self.state.period_start, self.state.period_end = renewed.period_start, renewed.period_end
        self.state.notice_done = False
        await self._open_work()
        self._show_operators_view()
        # One run per period: the history stays the size of one period's openings.
        self.continue_now = True

    async def _file_renewal_notice(self) -> None:
        """The consumer's notice of the coming renewal, as a PDF in the client's shared
        folder; its key (mission, renewal number) files it once, however often retried."""
        assert self.state.period_start is not None and self.state.period_end is not None
        notice = NoticeInput(
            mission_id=self.start.mission_id,
            renewal_number=self.state.renewals,
            period_start=self.state.period_start,
            period_end=self.state.period_end,
            notice_months=self.state.notice_months,
            scratch_name=f"{self.start.mission_id}/renewal-notice-{self.state.renewals}.docx",
            notice_date=workflow.now().date().isoformat(),
        )
        docx_name = await workflow.execute_activity(
            Activities.render_renewal_notice,
            notice,
            task_queue=self.start.documents_queue,
            start_to_close_timeout=DOCUMENT_TIMEOUT,
            heartbeat_timeout=DOCUMENT_HEARTBEAT,
            retry_policy=RETRY_UNTIL_DONE,
            result_type=str,
        )
        pdf_name = await workflow.execute_activity(
            Activities.convert_to_pdf,
            ConvertInput(docx_name),
            task_queue=self.start.documents_queue,
            start_to_close_timeout=DOCUMENT_TIMEOUT,
            heartbeat_timeout=DOCUMENT_HEARTBEAT,
            retry_policy=RETRY_UNTIL_DONE,
            result_type=str,
        )
        notice.scratch_name = pdf_name
        document_id = await workflow.execute_activity(
            Activities.file_renewal_notice,
            notice,
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=RETRY_UNTIL_DONE,
            result_type=str,
        )
        self.mail.post(MailOccasion(MailKind.renewal_notice, document_id=document_id))

    # --- termination -------------------------------------------------------------------------

    @workflow.update(name=Updates.terminate)
    async def terminate(self, request: TerminationRequest) -> TerminationRecorded:
        async with self.turn:
            self._require(("active",), "terminate the mission")
            self._refuse_second_termination()
            self.state.seq += 1
            recorded = await database_step(
                self.state,
                Activities.record_termination,
                TerminationInput(
                    mission_id=self.start.mission_id,
                    seq=self.state.seq,
                    request=request,
                    period_start=self.state.period_start or "",
                    period_end=self.state.period_end or "",
                    notice_months=self.state.notice_months,
                    renews=self.state.by_period and self.state.renewal == Renewal.tacit,
                    at=workflow.now().isoformat(),
                ),
                retry_policy=RETRY_UNTIL_DONE,
                result_type=TerminationRecorded,
            )
            self.state.termination = Termination(request, recorded.effective_on, recorded.ends_at)
            if self.state.by_period:
                self._show_operators_view()
            return recorded

    @terminate.validator
    def _validate_terminate(self, request: TerminationRequest) -> None:
        if self.state.status != MissionStatus.active:
            raise Rejected(f"only an active mission can be terminated; it is {self.state.status}")
        self._refuse_second_termination()

    def _refuse_second_termination(self) -> None:
        if self.state.termination is not None:
            raise Rejected(
                f"the mission is already terminated from {self.state.termination.effective_on}"
            )

    async def _terminate(self, termination: Termination) -> None:
        await self._close_amendment("the mission is terminated")
        await database_step(
            self.state,
            Activities.end_work,
            EndWorkInput(self.start.mission_id, termination.effective_on),
            retry_policy=RETRY_UNTIL_DONE,
            result_type=int,
        )
        await self._transition(
            "terminated",
            "sceau",
            f"terminated by the {termination.request.party} on {termination.effective_on}",
        )

    async def _close_amendment(self, reason: str) -> None:
        """An amendment in progress ends with the mission (workflows/amendments.py); none
        here."""

    # --- what operators see: the period's part of the view, shown after each opening,
    # renewal or termination ------------------------------------------------------------

    def _period_attributes(self) -> list[SearchAttributePair[Any]]:
        if not self.state.by_period or self.state.period_ends_at is None:
            return []
        return [SearchAttributePair(RENEWAL_DATE, self.state.period_ends_at)]

    def _period_memo(self) -> dict[str, Any]:
        if not self.state.by_period:
            return {}
        wake_up = self._active_deadline() if self.state.status == "active" else None
        termination = self.state.termination
        return {
            "current_period": {"start": self.state.period_start, "end": self.state.period_end},
            "next_wake_up": wake_up.isoformat() if wake_up else None,
            "renewals": self.state.renewals,
            "termination_effective_on": termination.effective_on if termination else None,
        }
