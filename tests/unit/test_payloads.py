"""Sceau's payload converter: messages round-trip, and a new converter reuses the schemas."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import TypeAdapter
from temporalio.api.common.v1 import Payload

from contracts.messages import (
    CancelRequest,
    LetterRequest,
    MissionStart,
    MissionWorkflowState,
    SignatureEvent,
    SignatureStarted,
)
from domain.payloads import SceauPayloadConverter

HISTORIES = Path(__file__).resolve().parent.parent / "histories"


def start_with_carried_state() -> MissionStart:
    return MissionStart(
        mission_id="m-1",
        firm_id="f-1",
        client_id="c-1",
        carried=MissionWorkflowState(
            status="awaiting_signature",
            seq=4,
            period_end="2027-12-31",
            letter=LetterRequest("default", "folder-1", "staff-1", "rep-1", "Claire"),
            letter_version=2,
            letter_document_ids=["d-1", "d-2"],
            signature=None,
            sent_at=datetime(2027, 1, 3, 10, tzinfo=UTC),
            signers_done=[],
            seen_event_ids=["e-1"],
            pending_events=[SignatureEvent("e-2", "signer_done", signer_email="a@b.fr")],
        ),
    )


def test_a_nested_message_comes_back_equal() -> None:
    converter = SceauPayloadConverter()
    start = start_with_carried_state()
    [payload] = converter.to_payloads([start])
    [back] = converter.from_payloads([payload], [MissionStart])
    assert back == start
    assert isinstance(back.carried.pending_events[0], SignatureEvent)


def test_a_new_converter_builds_no_schema_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # The workflow sandbox makes a converter per run: the second must reuse the first's work.
    [payload] = SceauPayloadConverter().to_payloads([start_with_carried_state()])
    SceauPayloadConverter().from_payloads([payload], [MissionStart])
    built: list[Any] = []
    original_init = TypeAdapter.__init__

    def counting_init(self: TypeAdapter[Any], *args: Any, **kwargs: Any) -> None:
        built.append(args[0] if args else kwargs.get("type"))
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(TypeAdapter, "__init__", counting_init)
    SceauPayloadConverter().from_payloads([payload], [MissionStart])
    assert built == []


def test_an_unhashable_hint_is_still_read() -> None:
    converter = SceauPayloadConverter()
    [payload] = converter.to_payloads([{"a": [1, 2]}])
    unhashable: Any = Annotated[dict[str, list[int]], ["a list is not hashable"]]
    with pytest.raises(TypeError):
        hash(unhashable)
    assert converter.from_payloads([payload], [unhashable]) == [{"a": [1, 2]}]


# --- the state a run carries to the next one by continue-as-new ---------------------------


def continue_as_new_input(history: str) -> Payload:
    """The input that a recorded run handed to its next run."""
    events = json.loads((HISTORIES / history).read_text())["events"]
    [attributes] = [
        event["workflowExecutionContinuedAsNewEventAttributes"]
        for event in events
        if "workflowExecutionContinuedAsNewEventAttributes" in event
    ]
    [payload] = attributes["input"]["payloads"]
    return Payload(
        metadata={key: base64.b64decode(value) for key, value in payload["metadata"].items()},
        data=base64.b64decode(payload["data"]),
    )


def test_the_state_carried_by_the_recorded_run_reads_whole() -> None:
    # Recorded before the local database steps: a state carried by an older run.
    [start] = SceauPayloadConverter().from_payloads(
        [continue_as_new_input("continued_as_new.before-local-steps.json")], [MissionStart]
    )
    sent_at = datetime(2026, 11, 28, 3, 1, 46, 687000, tzinfo=UTC)
    assert start.carried == MissionWorkflowState(
        status="awaiting_signature",
        seq=3,
        period_end="2027-12-31",
        letter=LetterRequest("default", "folder-1", "staff-1", "rep-1", "staff-1"),
        letter_version=1,
        letter_document_ids=["doc-v1"],
        signature=SignatureStarted("sig-1", "provider-1", "ongoing"),
        sent_at=sent_at,
        last_heard_at=sent_at,
        signature_timers=True,
        runs=2,
    )


def test_a_run_carries_its_decisions_to_the_next() -> None:
    [start] = SceauPayloadConverter().from_payloads(
        [continue_as_new_input("continued_as_new.json")], [MissionStart]
    )
    assert start.carried is not None
    assert start.carried.local_steps is True
    assert start.carried.mail_notifications is True
    assert start.carried.signature_timers is True


def test_a_carried_state_written_before_keeps_its_pending_signals_and_times() -> None:
    # The shape every field had when the workflow copied them into CarriedState one by one.
    today = {
        "status": "awaiting_signature",
        "seq": 4,
        "period_end": "2027-12-31",
        "letter": None,
        "letter_version": 2,
        "letter_document_ids": ["d-1", "d-2"],
        "signature": {"signature_id": "s-1", "provider_request_id": "p-1", "status": "ongoing"},
        "sent_at": "2027-01-03T10:00:00+00:00",
        "signers_done": ["a@b.fr"],
        "seen_event_ids": ["e-1", "e-2"],
        "pending_events": [{"event_id": "e-2", "kind": "done", "reason": "", "signer_email": ""}],
        "pending_cancel": {"by": "staff-1", "reason": "client left"},
        "reminders_sent": 1,
        "last_heard_at": None,
        "polls": 3,
        "signature_timers": False,
        "runs": 5,
    }
    payload = Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(today).encode())
    [state] = SceauPayloadConverter().from_payloads([payload], [MissionWorkflowState])
    assert state.sent_at == datetime(2027, 1, 3, 10, tzinfo=UTC)
    assert state.last_heard_at is None
    assert state.pending_events == [SignatureEvent("e-2", "done")]
    assert state.pending_cancel == CancelRequest("staff-1", "client left")
    assert (state.seen_event_ids, state.polls, state.signature_timers, state.runs) == (
        ["e-1", "e-2"],
        3,
        False,
        5,
    )


def test_the_carried_state_keeps_the_shape_it_had() -> None:
    # The same field names with the same JSON types: the version before still reads what
    # this one carries (times are ISO strings either way).
    [payload] = SceauPayloadConverter().to_payloads([start_with_carried_state()])
    written = json.loads(payload.data)["carried"]
    recorded = json.loads(continue_as_new_input("continued_as_new.json").data)["carried"]
    # Fields are only ever added, after the others and with a default (a recorded state
    # lacks them and reads with their defaults); none is renamed or dropped.
    assert list(written)[: len(recorded)] == list(recorded)
    both = [key for key in recorded if None not in (written[key], recorded[key])]
    assert len(both) >= 12
    assert [type(written[key]) for key in both] == [type(recorded[key]) for key in both]
    assert datetime.fromisoformat(written["sent_at"]) == datetime(2027, 1, 3, 10, tzinfo=UTC)
