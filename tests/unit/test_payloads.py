"""Sceau's payload converter: messages round-trip, and a new converter reuses the schemas."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from pydantic import TypeAdapter

from domain.payloads import SceauPayloadConverter
from workflows.messages import CarriedState, LetterRequest, MissionStart, SignatureEvent


def start_with_carried_state() -> MissionStart:
    return MissionStart(
        mission_id="m-1",
        firm_id="f-1",
        client_id="c-1",
        carried=CarriedState(
            status="awaiting_signature",
            seq=4,
            period_end="2027-12-31",
            letter=LetterRequest("default", "folder-1", "staff-1", "rep-1", "Claire"),
            letter_version=2,
            letter_document_ids=["d-1", "d-2"],
            signature=None,
            sent_at="2027-01-03T10:00:00+00:00",
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
