"""MissionWorkflow: one per mission, the only writer of its status.

Built in layers, each a module of its own: `lifecycle.MissionLifecycle` (the state query, the
updates that build the mission, transitions, the period's end, continue-as-new) under
`signature_wait.SignatureWait` (sending the letter, the provider's events, expiry, reminders,
status polls) under `amendments.MissionAmendments` (an active mission's amendments, their
letter and their own signature wait). This class adds the start, the main loop, and the cancel
signal.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.messages import (
        CancelRequest,
        MissionStart,
        MissionState,
        MissionWorkflowState,
        Signals,
        SignatureEvent,
    )
    from contracts.statuses import TERMINAL_STATUSES

from workflows.amendments import MissionAmendments
from workflows.notifications import Outbox
from workflows.patches import SIGNATURE_TIMERS

# How long a new workflow waits for the update that started it to record a first status.
FIRST_STATUS_TIMEOUT = timedelta(hours=1)


@workflow.defn
class MissionWorkflow(MissionAmendments):
    @workflow.init
    def __init__(self, start: MissionStart) -> None:
        self.start = start
        # Everything the mission remembers, carried whole to the next run by continue-as-new.
        self.state = start.carried if start.carried is not None else MissionWorkflowState()
        # Handlers and the main loop take turns; each runs its activities without interleaving.
        self.turn = asyncio.Lock()
        # Set by a renewal: the loop continues as new once the handlers' lock is free.
        self.continue_now = False
        # The e-mails this run is sending, beside its own steps (workflows/notifications.py).
        self.mail = Outbox(self.state)

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
                self.state.signature_timers = workflow.patched(SIGNATURE_TIMERS)
            if self._history_is_long() or self.continue_now:
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
        await self.mail.all_sent()
        return self.snapshot()

    # --- signals: the cancel here, the provider's events in SignatureWait -------------------

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

    async def _handle(self, message: SignatureEvent | CancelRequest) -> None:
        if isinstance(message, CancelRequest):
            await self._close_amendment("the mission is cancelled")
            if self.state.status == "awaiting_signature":
                await self._cancel_at_provider(message.reason or "cancelled by the firm")
            await self._transition("cancelled", message.by, message.reason)
            return
        await self._handle_signature_event(message)

    # --- deadlines -------------------------------------------------------------------------

    def _deadline(self) -> datetime | None:
        """When the loop must act by itself: signature expiry, a reminder or a status poll
        while the letter waits; once the mission is active, the next opening, notice,
        termination or period's end (workflows/periods.py)."""
        if self.state.status == "awaiting_signature" and self.state.sent_at is not None:
            return self._signature_deadline()
        if self.state.status == "active":
            # An amendment waiting for signatures has its own timers (workflows/amendments.py).
            instants = (self._active_deadline(), self._amendment_deadline())
            return min((instant for instant in instants if instant is not None), default=None)
        return None

    async def _deadline_passed(self) -> None:
        if self.state.status == "awaiting_signature":
            await self._signature_deadline_passed()
        elif self.state.status == "active":
            amendment = self._amendment_deadline()
            if amendment is not None and workflow.now() >= amendment:
                await self._amendment_deadline_passed()
            active = self._active_deadline()
            if active is not None and workflow.now() >= active:
                await self._active_deadline_passed()
