"""Enumerations shared by the API, the workflow and the database."""

from __future__ import annotations

from enum import StrEnum


class Frequency(StrEnum):
    one_off = "one_off"
    monthly = "monthly"
    quarterly = "quarterly"
    half_yearly = "half_yearly"
    yearly = "yearly"


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


TERMINAL_STATUSES = frozenset(
    {
        MissionStatus.completed,
        MissionStatus.declined,
        MissionStatus.expired,
        MissionStatus.cancelled,
    }
)

# Lines and prices may change only before the letter leaves for signature.
EDITABLE_STATUSES = frozenset({MissionStatus.draft, MissionStatus.letter_generated})


class WorkKind(StrEnum):
    task = "task"
    information_request = "information_request"


class WorkStatus(StrEnum):
    open = "open"
    answered = "answered"
    done = "done"


class Role(StrEnum):
    operator = "operator"
    admin = "admin"
    staff = "staff"
    client = "client"


class ServiceRequestStatus(StrEnum):
    open = "open"
    converted = "converted"


class DocumentKind(StrEnum):
    letter = "letter"
    signed_letter = "signed_letter"
    audit_trail = "audit_trail"
    upload = "upload"
