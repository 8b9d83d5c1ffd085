"""The database tables. Ids are opaque strings; money is Numeric(12, 2); times are UTC."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.enums import (
    DocumentKind,
    Frequency,
    MissionStatus,
    Role,
    ServiceRequestStatus,
    WorkKind,
    WorkStatus,
)


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def utcnow() -> datetime:
    return datetime.now(UTC)


def _id(prefix: str) -> Any:
    return Field(default_factory=lambda: new_id(prefix), primary_key=True, max_length=40)


class Firm(SQLModel, table=True):
    id: str = _id("firm")
    name: str
    legal_form: str
    siren: str
    address: str
    city: str = ""
    vat_number: str
    ordre_council: str
    vat_rate: Decimal = Field(default=Decimal("20.00"), max_digits=5, decimal_places=2)
    created_at: datetime = Field(default_factory=utcnow)
    # When the firm's day begins (domain.period.FirmClock): its periods open and end at this
    # time (HH:MM) of its time zone, its work opens `work_lead_days` before each slice.
    time_zone: str = Field(default="Europe/Paris", max_length=60)
    openings_at: str = Field(default="00:00", max_length=5)
    work_lead_days: int = 0


class Staff(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("firm_id", "email"),)
    id: str = _id("stf")
    firm_id: str = Field(foreign_key="firm.id", index=True)
    email: str
    first_name: str
    last_name: str
    title: str = ""
    role: Role = Role.staff
    legal_representative: bool = False


class ApiToken(SQLModel, table=True):
    """A bearer token, kept only as its SHA-256; the clear value is shown once."""

    id: str = _id("tok")
    token_hash: str = Field(unique=True, index=True, max_length=64)
    role: Role
    firm_id: str | None = Field(default=None, foreign_key="firm.id")
    staff_id: str | None = Field(default=None, foreign_key="staff.id")
    client_id: str | None = Field(default=None, foreign_key="client.id")
    portal_user_id: str | None = Field(default=None, foreign_key="portaluser.id")
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
    # None: valid until revoked (tokens issued before expiry existed, or SCEAU_TOKEN_DAYS=0).
    expires_at: datetime | None = None


class Client(SQLModel, table=True):
    id: str = _id("cli")
    firm_id: str = Field(foreign_key="firm.id", index=True)
    name: str
    legal_form: str = ""
    siren: str = ""
    address: str = ""
    activity: str = ""
    fiscal_year_end: str = "12-31"
    created_at: datetime = Field(default_factory=utcnow)
    # A private individual, protected by the Code de la consommation (renewal notices).
    consumer: bool = False


class Representative(SQLModel, table=True):
    id: str = _id("rep")
    client_id: str = Field(foreign_key="client.id", index=True)
    first_name: str
    last_name: str
    title: str = ""
    email: str = ""
    phone: str = ""


class PortalUser(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("client_id", "email"),)
    id: str = _id("pu")
    firm_id: str = Field(foreign_key="firm.id")
    client_id: str = Field(foreign_key="client.id", index=True)
    email: str
    first_name: str = ""
    last_name: str = ""


class Service(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("firm_id", "code"),)
    id: str = _id("svc")
    firm_id: str = Field(foreign_key="firm.id", index=True)
    code: str
    name: str
    description: str = ""
    price: Decimal = Field(max_digits=12, decimal_places=2)
    frequency: Frequency


class ServiceWork(SQLModel, table=True):
    """One piece of work a catalogue service sets off once its mission is signed."""

    id: str = _id("sw")
    service_id: str = Field(foreign_key="service.id", index=True)
    position: int
    kind: WorkKind
    title: str
    # Days after the end of each period of the line's frequency; None means the end itself.
    due: int | None = None


class ServiceRequest(SQLModel, table=True):
    id: str = _id("req")
    firm_id: str = Field(foreign_key="firm.id", index=True)
    client_id: str = Field(foreign_key="client.id", index=True)
    portal_user_id: str | None = Field(default=None, foreign_key="portaluser.id")
    service_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    message: str = ""
    status: ServiceRequestStatus = ServiceRequestStatus.open
    # The mission whose workflow the request started; the firm formalises it later.
    mission_id: str = Field(index=True, max_length=40)
    created_at: datetime = Field(default_factory=utcnow)


class Mission(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=40)
    firm_id: str = Field(foreign_key="firm.id", index=True)
    client_id: str = Field(foreign_key="client.id", index=True)
    service_request_id: str | None = None
    name: str = ""
    period_start: date | None = None
    period_end: date | None = None
    frequency: Frequency | None = None
    status: MissionStatus = Field(index=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # tacit: renewed for a period of the same length unless notice is given; none: ends.
    renewal: str = Field(default="tacit", max_length=10)
    notice_months: int = 3
    # The current period's number: 0 until the first renewal (work keys carry it).
    renewals: int = 0
    # A termination recorded by the firm, and the day it takes effect.
    termination: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    termination_effective_on: date | None = None


class MissionLine(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=40)
    mission_id: str = Field(foreign_key="mission.id", index=True)
    position: int
    service_id: str = Field(foreign_key="service.id")
    code: str
    name: str
    description: str = ""
    price: Decimal = Field(max_digits=12, decimal_places=2)
    frequency: Frequency


class MissionEvent(SQLModel, table=True):
    """A status transition; ``seq`` is the workflow's counter, so a retry is a no-op."""

    __table_args__ = (UniqueConstraint("mission_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    mission_id: str = Field(foreign_key="mission.id", index=True)
    seq: int
    status: MissionStatus
    # What happened: a status change, or an event that keeps the status (renewed, termination).
    kind: str = Field(default="status", max_length=20)
    at: datetime
    by: str = ""
    reason: str = ""


class LetterTemplate(SQLModel, table=True):
    id: str = _id("tpl")
    firm_id: str = Field(foreign_key="firm.id", index=True)
    name: str
    sha256: str = Field(max_length=64)
    variables: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Folder(SQLModel, table=True):
    id: str = _id("fld")
    firm_id: str = Field(foreign_key="firm.id", index=True)
    client_id: str = Field(foreign_key="client.id", index=True)
    name: str
    parent_id: str | None = Field(default=None, foreign_key="folder.id")
    shared_with_client: bool = False


class Document(SQLModel, table=True):
    """An immutable file in a client's GED; ``key`` makes filing the same thing twice a no-op."""

    id: str = _id("doc")
    key: str = Field(unique=True, max_length=200)
    firm_id: str = Field(foreign_key="firm.id", index=True)
    client_id: str = Field(foreign_key="client.id", index=True)
    folder_id: str = Field(foreign_key="folder.id", index=True)
    mission_id: str | None = Field(default=None, index=True)
    kind: DocumentKind
    name: str
    version: int = 1
    sha256: str = Field(max_length=64)
    size: int
    content_type: str
    created_at: datetime = Field(default_factory=utcnow)
    # The information request a client's upload answers.
    work_item_id: str | None = Field(default=None, index=True, max_length=40)


class SignatureRequest(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("mission_id", "letter_version"),)
    id: str = _id("sig")
    mission_id: str = Field(foreign_key="mission.id", index=True)
    letter_version: int
    provider: str
    provider_request_id: str = Field(index=True)
    status: str
    signers: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow)


class WorkItem(SQLModel, table=True):
    """A firm task or a client information request, created once per key."""

    id: str = _id("wrk")
    key: str = Field(unique=True, max_length=200)
    firm_id: str = Field(foreign_key="firm.id", index=True)
    client_id: str = Field(foreign_key="client.id", index=True)
    mission_id: str = Field(foreign_key="mission.id", index=True)
    # Empty for the firm's follow-up task of a client's service request.
    line_id: str | None = Field(default=None, foreign_key="missionline.id")
    service_id: str | None = Field(default=None, foreign_key="service.id")
    kind: WorkKind
    title: str
    due_date: date
    status: WorkStatus = WorkStatus.open
    answer: str | None = None
    answered_at: datetime | None = None
    # None for work created before this was kept (migration 0012).
    created_at: datetime | None = Field(default_factory=utcnow)


class AuditEntry(SQLModel, table=True):
    """One change: who made it, from which token, when, and what it changed.

    No foreign keys: the log outlives nothing it records and never blocks a write.
    """

    id: int | None = Field(default=None, primary_key=True)
    firm_id: str = Field(index=True, max_length=40)
    client_id: str | None = Field(default=None, index=True, max_length=40)
    mission_id: str | None = Field(default=None, index=True, max_length=40)
    at: datetime = Field(default_factory=utcnow)
    # A staff member's or portal user's id, "operator", or who the workflow names ("signers").
    actor: str = Field(max_length=80)
    token_id: str | None = Field(default=None, max_length=40)
    # "<table>.created|updated|deleted", or a mission action ("mission.letter_generated").
    action: str = Field(max_length=80)
    target: str = Field(max_length=80)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class IdempotencyKey(SQLModel, table=True):
    """A create request's Idempotency-Key: a retry with the same key gets what the first made."""

    __table_args__ = (UniqueConstraint("owner", "operation", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    # Whose key: a firm's staff member or portal user ("<firm>:<person>").
    owner: str = Field(max_length=100)
    operation: str = Field(max_length=40)
    key: str = Field(max_length=100)
    # The SHA-256 of the first request's body: the same key with another body is refused.
    fingerprint: str = Field(max_length=64)
    resource_id: str = Field(max_length=40)
    created_at: datetime = Field(default_factory=utcnow)


class GeneralConditions(SQLModel, table=True):
    """A firm's own general conditions (CGI), appended to its letters instead of Sceau's.

    One per firm: an upload replaces the previous one (letters already filed keep theirs,
    as PDFs), and deleting it brings back the default. The bytes are in the blob store.
    """

    id: str = _id("cgi")
    firm_id: str = Field(foreign_key="firm.id", unique=True, max_length=40)
    name: str = Field(max_length=200)
    # "docx" or "pdf" (domain.general_conditions.ConditionsFormat).
    format: str = Field(max_length=10)
    sha256: str = Field(max_length=64)
    size: int
    # A PDF's page count; None for a .docx (its pages depend on the letter's values).
    pages: int | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class SentMail(SQLModel, table=True):
    """An e-mail the mail activity sent: one row per idempotency key, so a retry sends none."""

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, max_length=255)
    # The message's Message-ID (domain/mail.py), the same for every attempt under the key.
    message_id: str = Field(max_length=100)
    kind: str = Field(max_length=40)
    recipient: str = Field(max_length=320)
    subject: str = Field(max_length=500)
    sent_at: datetime = Field(default_factory=utcnow)


# --- The pages for people (web/): passwords, sessions and one-time links ---


class StaffPassword(SQLModel, table=True):
    """A staff member's password for the pages, as its argon2id hash (never in clear)."""

    staff_id: str = Field(foreign_key="staff.id", primary_key=True, max_length=40)
    password_hash: str = Field(max_length=200)
    changed_at: datetime = Field(default_factory=utcnow)


class WebSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random value; only its SHA-256 is stored, so
    the table's rows cannot be replayed as cookies. Revoked (sign-out) or expired: dead."""

    id: str = _id("ses")
    token_hash: str = Field(unique=True, index=True, max_length=64)
    # "staff" or "client": which pages the session opens.
    kind: str = Field(max_length=10)
    firm_id: str = Field(foreign_key="firm.id", index=True)
    staff_id: str | None = Field(default=None, foreign_key="staff.id", index=True)
    portal_user_id: str | None = Field(default=None, foreign_key="portaluser.id", index=True)
    # Every form of the session carries it (web/csrf.py).
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None


class SignInLink(SQLModel, table=True):
    """A one-time link sent by e-mail: a client's sign-in or a staff member's invitation.
    Stored as its SHA-256; valid until ``expires_at``, once."""

    id: str = _id("lnk")
    token_hash: str = Field(unique=True, index=True, max_length=64)
    # "client_sign_in" or "staff_invitation".
    purpose: str = Field(max_length=20)
    firm_id: str = Field(foreign_key="firm.id", index=True)
    staff_id: str | None = Field(default=None, foreign_key="staff.id")
    portal_user_id: str | None = Field(default=None, foreign_key="portaluser.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class Amendment(SQLModel, table=True):
    """An amendment (*avenant*) to a mission: its whole new set of lines from a date.

    Written by the mission's workflow (activities/amendments.py). ``lines`` are the lines as
    they will be (``line_id`` kept for a line that stays, a new one for a service added);
    once ``signed`` they are the mission's terms from ``effective_date``
    (domain/queries.py::lines_in_force).
    """

    __table_args__ = (UniqueConstraint("mission_id", "number"),)
    id: str = Field(primary_key=True, max_length=40)
    mission_id: str = Field(foreign_key="mission.id", index=True)
    # 1, 2, ... per mission: "Avenant n° N".
    number: int
    # draft, letter_generated, awaiting_signature, signed, declined, expired, cancelled
    status: str = Field(max_length=20)
    effective_date: date
    reason: str = ""
    lines: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    # What the lines change, as the API shows it (domain.amendments.LineChangeSummary.as_dict).
    changes: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    letter_version: int = 0
    document_id: str | None = Field(default=None, max_length=40)
    signature_id: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class LetterPreview(SQLModel, table=True):
    """A mission's last letter preview: its PDF in the blob store, and the digest of all that
    went into it (domain/letter_previews.py). An unchanged mission's next preview is that PDF."""

    mission_id: str = Field(foreign_key="mission.id", primary_key=True, max_length=40)
    firm_id: str = Field(foreign_key="firm.id", index=True, max_length=40)
    inputs_digest: str = Field(max_length=64)
    pdf_sha256: str = Field(max_length=64)
    made_at: datetime = Field(default_factory=utcnow)
