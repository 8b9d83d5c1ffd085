"""Enumerations shared by the API, the workflow and the database."""

from __future__ import annotations

from enum import StrEnum

# Defined with the workflow contract; the tables and the API use them from here too.
from contracts.statuses import TERMINAL_STATUSES, MissionStatus

__all__ = [
    "TERMINAL_STATUSES",
    "DocumentKind",
    "Frequency",
    "MissionStatus",
    "Role",
    "ServiceRequestStatus",
    "WorkKind",
    "WorkStatus",
]


class Frequency(StrEnum):
    one_off = "one_off"
    monthly = "monthly"
    quarterly = "quarterly"
    half_yearly = "half_yearly"
    yearly = "yearly"


class WorkKind(StrEnum):
    task = "task"
    information_request = "information_request"


class WorkStatus(StrEnum):
    open = "open"
    answered = "answered"
    done = "done"
    # Open when the mission was terminated, due after its end.
    cancelled = "cancelled"


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
    renewal_notice = "renewal_notice"
