"""How Sceau's workflow and activity arguments travel through Temporal: JSON, read by pydantic.

The SDK's pydantic converter keeps its type adapters per converter instance, and the SDK
builds a new converter for every workflow run and for each serialization context, so each
mission used to rebuild the schema of every message it read (about 6 % of a worker's CPU in
`bench/lifecycle.py`). Here the adapters are kept once per process; in the SDK's sandbox,
where the tests run the workflows, the message classes are passed through, so the same class
is the same key in every run.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from pydantic import TypeAdapter
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
)

from contracts import messages


@functools.lru_cache(maxsize=512)
def _adapter(type_hint: Any) -> TypeAdapter[Any]:
    return TypeAdapter(type_hint)


def build_message_schemas() -> None:
    """Build the schema of every workflow and activity message now, at start-up, not on the
    first payload that needs one: that first build takes 65 ms for ``MissionStart`` on a quiet
    machine, and it ran on the event loop that hands out activity tasks."""
    for message in vars(messages).values():
        if dataclasses.is_dataclass(message) and isinstance(message, type):
            _adapter(message)


class _SharedAdaptersJSON(PydanticJSONPlainPayloadConverter):
    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        hint: Any = Any if type_hint is None else type_hint
        try:
            adapter = _adapter(hint)
        except TypeError:
            try:
                hash(hint)
            except TypeError:  # an unhashable hint cannot be a cache key
                adapter = TypeAdapter(hint)
            else:
                raise
        return adapter.validate_json(payload.data)


class SceauPayloadConverter(CompositePayloadConverter):
    """The SDK's default converters, with JSON read and written by pydantic."""

    def __init__(self) -> None:
        json = _SharedAdaptersJSON()
        super().__init__(
            *(
                json if isinstance(converter, JSONPlainPayloadConverter) else converter
                for converter in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )


data_converter = DataConverter(payload_converter_class=SceauPayloadConverter)
