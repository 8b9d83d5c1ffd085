"""A mission's statuses and the signature events that move it."""

from __future__ import annotations

from enum import StrEnum


class MissionStatus(StrEnum):
    requested = "requested"
    draft = "draft"
    letter_generated = "letter_generated"
    awaiting_signature = "awaiting_signature"
    signed = "signed"
    active = "active"
    completed = "completed"
    declined = "declined"
    expired = "expired"
    cancelled = "cancelled"
    terminated = "terminated"


# A mission in one of these has ended: its workflow returns.
TERMINAL_STATUSES = frozenset(
    {
        MissionStatus.completed,
        MissionStatus.declined,
        MissionStatus.expired,
        MissionStatus.cancelled,
        MissionStatus.terminated,
    }
)

# Until the letter is sent, its lines, prices and letter may change and be previewed
# (PRODUCT.md: prices are frozen once it is sent).
LETTER_EDITABLE_STATUSES = (MissionStatus.draft, MissionStatus.letter_generated)


class SignatureEventKind(StrEnum):
    """What the signature provider tells a mission's workflow (``SignatureEvent.kind``)."""

    signer_done = "signer_done"
    done = "done"
    declined = "declined"
    expired = "expired"
    canceled = "canceled"


class Renewal(StrEnum):
    """Whether a mission renews at the end of its period (the Ordre's letters: tacitly)."""

    tacit = "tacit"
    none = "none"
