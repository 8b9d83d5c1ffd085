"""Amendments on the time-skipping server: drafted, lettered, sent and signed (or not) inside the
mission's workflow while it stays active; signed, the lines change from the effective date and
only the work of the slices from then on follows them."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from contracts.messages import (
    AmendmentAnswer,
    AmendmentCancel,
    AmendmentDraft,
    AmendmentLetterRequest,
    AmendmentSignatureAsk,
    LineInput,
    SignatureEvent,
    TerminationRequest,
)
from domain.enums import Frequency
from domain.totals import PricedLine, totals_of
from tests.workflow.standins import Recorder
from tests.workflow.test_periods import (
    at_paris_midnight,
    latest,
    signed_mission,
    sleep_until,
    worker,
)
from workflows.mission import MissionWorkflow

BOOKKEEPING = LineInput("line-1", "svc-1", "TC", "Tenue", "", "100.00", "monthly")
PAYROLL = LineInput("line-2", "svc-2", "PAIE", "Paie", "", "45.00", "monthly")


def amendment(effective: str, *lines: LineInput) -> AmendmentDraft:
    return AmendmentDraft(
        amendment_id=f"amd-{uuid.uuid4().hex[:8]}",
        effective_date=effective,
        reason="embauche d'un salarié",
        lines=list(lines),
        by="staff-1",
    )


async def sent_for_signature(handle: WorkflowHandle, draft: AmendmentDraft) -> AmendmentAnswer:
    """Draft the amendment, generate its letter and send it; the answer of the sending."""
    drafted = await handle.execute_update(MissionWorkflow.draft_amendment, draft)
    assert (drafted.number, drafted.status) == (1, "draft")
    letter = AmendmentLetterRequest(
        draft.amendment_id, "default", "folder-1", "staff-1", "rep-1", "staff-1"
    )
    generated = await handle.execute_update(MissionWorkflow.generate_amendment_letter, letter)
    assert (generated.status, generated.version) == ("letter_generated", 1)
    ask = AmendmentSignatureAsk(draft.amendment_id, "yousign", "staff-1")
    sent = await handle.execute_update(MissionWorkflow.request_amendment_signature, ask)
    assert isinstance(sent, AmendmentAnswer)
    return sent


async def provider_says(
    handle: WorkflowHandle, recorder: Recorder, event: SignatureEvent, status: str
) -> None:
    """Deliver the provider's event for the amendment; wait until the amendment is ``status``."""
    await handle.signal(MissionWorkflow.signature_event, event)
    for _ in range(200):
        if f"amendment:{status}" in recorder.statuses:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the amendment never became {status}: {recorder.statuses}")


def work_by_service(recorder: Recorder, line_id: str, year: int) -> list[int]:
    """The months of ``year`` whose work the line got."""
    return sorted(
        start.month
        for key, start in recorder.work.starts.items()
        if f":{line_id}:" in key and start.year == year
    )


def amendment_mails(recorder: Recorder) -> list[tuple[str, int, str]]:
    """The e-mail occasions posted about amendments' letters: (kind, version, reason)."""
    return [
        (occasion.kind, occasion.letter_version, occasion.reason)
        for occasion in recorder.mail.occasions
        if occasion.letter_version < 0
    ]


async def test_an_amendment_adding_a_service_from_july_creates_its_work_from_july_only(
    env: WorkflowEnvironment,
) -> None:
    recorder = Recorder()
    queue = f"missions-{uuid.uuid4()}"
    async with worker(env, recorder, queue):
        handle, year = await signed_mission(env, queue)
        await sleep_until(env, datetime(year, 3, 10, 12, tzinfo=UTC))
        draft = amendment(f"{year}-07-01", BOOKKEEPING, PAYROLL)
        sent = await sent_for_signature(handle, draft)
        assert sent.signature is not None and sent.signature.signature_id == "sig-amd-1"
        # One amendment at a time.
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update(
                MissionWorkflow.draft_amendment, amendment(f"{year}-08-01", BOOKKEEPING)
            )
        done = SignatureEvent("amd-done", "done", signature_id="sig-amd-1")
        await provider_says(handle, recorder, done, "signed")
        state = await handle.query(MissionWorkflow.snapshot)
        assert state.status == "active"
        await sleep_until(env, datetime(year, 12, 20, tzinfo=UTC))
        await latest(env, handle).terminate("end of test")
    assert recorder.statuses.count("active") == 1  # the mission stayed active throughout
    assert "file_signed_amendment:sig-amd-1" in recorder.calls
    assert recorder.calls.count("file_signed") == 1  # the letter's, at the mission's signature
    assert work_by_service(recorder, "line-1", year) == list(range(1, 13))
    assert work_by_service(recorder, "line-2", year) == list(range(7, 13))
    for key, start in recorder.work.starts.items():
        if ":line-2:" in key:
            opening = at_paris_midnight(start)
            assert opening <= recorder.work.created[key], key


async def test_an_amendment_lowering_a_price_changes_the_fees_from_its_date(
    env: WorkflowEnvironment,
) -> None:
    recorder = Recorder()
    queue = f"missions-{uuid.uuid4()}"
    async with worker(env, recorder, queue):
        handle, year = await signed_mission(env, queue)
        await sleep_until(env, datetime(year, 4, 2, tzinfo=UTC))
        cheaper = LineInput("line-1", "svc-1", "TC", "Tenue", "", "80.00", "monthly")
        await sent_for_signature(handle, amendment(f"{year}-05-01", cheaper))
        done = SignatureEvent("amd-done", "done", signature_id="sig-amd-1")
        await provider_says(handle, recorder, done, "signed")
        await sleep_until(env, datetime(year, 12, 20, tzinfo=UTC))
        await latest(env, handle).terminate("end of test")

    def yearly_fees(on: date) -> Decimal:
        (terms,) = recorder.terms(on, on)  # the lines in force that day
        priced = (PricedLine(line.price, Frequency(line.frequency)) for line in terms.lines)
        return totals_of(priced, Decimal("20")).excl_vat

    assert yearly_fees(date(year, 4, 30)) == Decimal("1200.00")
    assert yearly_fees(date(year, 5, 1)) == Decimal("960.00")
    # The same line, repriced: its work keeps its keys, one item a month, none twice.
    assert work_by_service(recorder, "line-1", year) == list(range(1, 13))
    assert recorder.work.inserts == len(recorder.work.created) == 12


async def test_a_declined_amendment_changes_nothing(env: WorkflowEnvironment) -> None:
    recorder = Recorder()
    queue = f"missions-{uuid.uuid4()}"
    async with worker(env, recorder, queue):
        handle, year = await signed_mission(env, queue)
        await sleep_until(env, datetime(year, 3, 10, 12, tzinfo=UTC))
        draft = amendment(f"{year}-07-01", BOOKKEEPING, PAYROLL)
        await sent_for_signature(handle, draft)
        # An event about the mission's own letter is not the amendment's.
        await handle.signal(
            MissionWorkflow.signature_event,
            SignatureEvent("late-letter", "declined", signature_id="sig-1"),
        )
        declined = SignatureEvent(
            "amd-no", "declined", reason="trop cher", signature_id="sig-amd-1"
        )
        await provider_says(handle, recorder, declined, "declined")
        # Ended: the mission takes another amendment, and can be cancelled before sending.
        second = amendment(f"{year}-09-01", BOOKKEEPING, PAYROLL)
        drafted = await handle.execute_update(MissionWorkflow.draft_amendment, second)
        assert drafted.number == 2
        cancelled = await handle.execute_update(
            MissionWorkflow.cancel_amendment, AmendmentCancel(second.amendment_id, "staff-1")
        )
        assert cancelled.status == "cancelled"
        await sleep_until(env, datetime(year, 12, 20, tzinfo=UTC))
        state = await latest(env, handle).query(MissionWorkflow.snapshot)
        await latest(env, handle).terminate("end of test")
    assert state.status == "active"
    assert recorder.statuses.count("active") == 1
    assert "amendment:signed" not in recorder.statuses
    assert recorder.statuses[-2:] == ["amendment:declined", "amendment:cancelled"]
    assert "signature:declined" in recorder.calls
    assert work_by_service(recorder, "line-1", year) == list(range(1, 13))
    assert work_by_service(recorder, "line-2", year) == []
    # The signers were e-mailed the amendment's request (version -1), the firm its refusal.
    assert amendment_mails(recorder) == [
        ("letter_to_sign", -1, ""),
        ("letter_declined", -1, "trop cher"),
    ]


async def test_an_unsigned_amendment_is_reminded_then_expires_and_changes_nothing(
    env: WorkflowEnvironment,
) -> None:
    recorder = Recorder()
    queue = f"missions-{uuid.uuid4()}"
    async with worker(env, recorder, queue):
        handle, year = await signed_mission(env, queue)
        await sleep_until(env, datetime(year, 3, 10, 12, tzinfo=UTC))
        await sent_for_signature(handle, amendment(f"{year}-07-01", BOOKKEEPING, PAYROLL))
        # 30 days to sign, reminded every 7 days (3 at most), polled after a day of silence.
        await sleep_until(env, datetime(year, 4, 15, tzinfo=UTC))
        state = await latest(env, handle).query(MissionWorkflow.snapshot)
        await sleep_until(env, datetime(year, 12, 20, tzinfo=UTC))
        await latest(env, handle).terminate("end of test")
    assert state.status == "active"
    assert recorder.statuses[-1:] == ["amendment:expired"]
    assert [call for call in recorder.calls if call.startswith("remind:")] == [
        "remind:1",
        "remind:2",
        "remind:3",
    ]
    assert recorder.calls.count("cancel_at_provider") == 1
    assert "poll" in recorder.calls
    assert amendment_mails(recorder) == [("letter_to_sign", -1, ""), ("letter_expired", -1, "")]
    assert work_by_service(recorder, "line-2", year) == []
    assert work_by_service(recorder, "line-1", year) == list(range(1, 13))


async def test_an_amendment_in_progress_ends_with_the_mission(env: WorkflowEnvironment) -> None:
    recorder = Recorder()
    queue = f"missions-{uuid.uuid4()}"
    async with worker(env, recorder, queue):
        handle, year = await signed_mission(env, queue)
        await sleep_until(env, datetime(year, 3, 10, 12, tzinfo=UTC))
        await sent_for_signature(handle, amendment(f"{year}-07-01", BOOKKEEPING, PAYROLL))
        await handle.execute_update(
            MissionWorkflow.terminate,
            TerminationRequest(
                "client", "cession", f"{year}-03-10", "staff-1", agreed_end=f"{year}-03-31"
            ),
        )
        await sleep_until(env, datetime(year, 4, 5, tzinfo=UTC))
        final = await latest(env, handle).result()
    assert final.status == "terminated"
    assert recorder.statuses[-2:] == ["amendment:cancelled", "terminated"]
    assert recorder.calls.count("cancel_at_provider") == 1
    assert work_by_service(recorder, "line-2", year) == []
