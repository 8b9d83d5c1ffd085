"""HTTP request and response bodies. Money travels as decimal strings, dates as ISO."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    PlainSerializer,
    model_validator,
)

from contracts.statuses import Renewal
from domain.enums import Frequency, Role, WorkKind
from domain.money import to_money
from domain.period import parse_month_day, valid_time_zone
from domain.work import PlanStatus

MAX_PRICE = Decimal("9999999999.99")


def _money(value: object) -> Decimal:
    amount = to_money(value)
    if amount < 0:
        raise ValueError("a price cannot be negative")
    if amount > MAX_PRICE:
        raise ValueError(f"a price is at most {MAX_PRICE}")
    return amount


def _no_nul(value: object) -> object:
    """Reject NUL characters anywhere in a body: PostgreSQL cannot store them in text."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text cannot contain NUL characters")
    if isinstance(value, dict):
        for item in value.values():
            _no_nul(item)
    if isinstance(value, list):
        for item in value:
            _no_nul(item)
    return value


Money = Annotated[
    Decimal, BeforeValidator(_money), PlainSerializer(lambda v: f"{v:.2f}", return_type=str)
]
# An amount the API reports (a line's yearly amount, a mission's totals): computed, so never
# capped like a price given as input; a big mission must stay readable.
Amount = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.2f}", return_type=str)]
MonthDay = Annotated[str, BeforeValidator(lambda v: parse_month_day(str(v)))]
TimeZone = Annotated[str, AfterValidator(valid_time_zone), Field(max_length=60)]
# The time of day (HH:MM, 24 h) at which a firm's day begins: its openings and renewals run then.
OpeningsAt = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
# Days before each slice of a line's frequency that its work opens.
LeadDays = Annotated[int, Field(ge=0, le=60)]


# Control characters: C0 (CR and LF among them), DEL and C1. A name holding one broke the
# headers it reached (a letter's Content-Disposition) and shows as nothing in a list.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Text of several lines keeps its tabs and line ends.
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _one_line(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("text cannot contain control characters (line breaks, tabs…)")
    return value


def _lines(value: str) -> str:
    if _CONTROL_IN_TEXT.search(value):
        raise ValueError("text cannot contain control characters other than tabs and line breaks")
    return value


# A single line of text: names, titles, codes.
Line = Annotated[str, AfterValidator(_one_line)]
# Text that may span lines: descriptions, messages, addresses.
Lines = Annotated[str, AfterValidator(_lines)]
Text = Annotated[Lines, Field(max_length=2000)]
Name = Annotated[Line, Field(min_length=1, max_length=300)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _reject_nul(cls, data: Any) -> Any:
        return _no_nul(data)


# --- platform ------------------------------------------------------------------------------


class FirmIn(Strict):
    name: Name
    legal_form: Name
    siren: Annotated[str, Field(pattern=r"^\d{9}$")]
    address: Name
    city: Line = ""
    vat_number: Name
    ordre_council: Name
    vat_rate: Annotated[Decimal, Field(ge=0, le=100)] = Decimal("20")
    # When the firm's day begins: periods open and end at this time (HH:MM) of its time zone; work
    # opens `work_lead_days` before each period of a line's frequency.
    time_zone: TimeZone = "Europe/Paris"
    openings_at: OpeningsAt = "00:00"
    work_lead_days: LeadDays = 0


class FirmCreated(BaseModel):
    id: str
    admin_id: str
    admin_token: str
    # When the token stops working (SCEAU_TOKEN_DAYS); null: valid until revoked.
    admin_token_expires_at: datetime | None


class FirmSettings(BaseModel):
    """When the firm's day begins: its time zone, the time its openings and renewals run, and
    how many days early each slice's work opens."""

    time_zone: str
    openings_at: str
    work_lead_days: int


class FirmSettingsIn(Strict):
    """The settings to change; those left out keep their value. A running mission follows them
    from its next wake-up (the instant it sleeps until was worked out with the old ones)."""

    time_zone: TimeZone | None = None
    openings_at: OpeningsAt | None = None
    work_lead_days: LeadDays | None = None

    @model_validator(mode="after")
    def _something_given(self) -> FirmSettingsIn:
        if not self.model_fields_set:
            raise ValueError("give at least one of time_zone, openings_at, work_lead_days")
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null; leave it out to keep its value")
        return self


class StaffIn(Strict):
    email: EmailStr
    first_name: Name
    last_name: Name
    title: Line = ""
    role: Literal[Role.admin, Role.staff] = Role.staff
    legal_representative: bool = False


class Created(BaseModel):
    id: str
    token: str
    # When the token stops working (SCEAU_TOKEN_DAYS); null: valid until revoked.
    token_expires_at: datetime | None


# --- catalogue -----------------------------------------------------------------------------


class WorkIn(Strict):
    kind: WorkKind
    title: Name
    due: Annotated[int | None, Field(ge=-366, le=366)] = None


class ServiceIn(Strict):
    code: Annotated[Line, Field(min_length=1, max_length=40)]
    name: Name
    description: Text = ""
    price: Money
    frequency: Frequency
    work: list[WorkIn] = Field(default_factory=list, max_length=50)


class ServicePatch(Strict):
    name: Name | None = None
    description: Text | None = None
    price: Money | None = None
    frequency: Frequency | None = None
    work: list[WorkIn] | None = Field(default=None, max_length=50)


class ServiceOut(BaseModel):
    id: str
    code: str
    name: str
    description: str
    price: Money
    frequency: Frequency
    work: list[WorkIn]


# --- clients and documents -----------------------------------------------------------------


class RepresentativeIn(Strict):
    first_name: Name
    last_name: Name
    title: Line = ""
    email: EmailStr
    phone: Line = ""


class RepresentativeOut(RepresentativeIn):
    id: str


class ClientIn(Strict):
    name: Name
    legal_form: Line = ""
    siren: Annotated[str, Field(pattern=r"^(\d{9})?$")] = ""
    address: Lines = ""
    activity: Line = ""
    fiscal_year_end: MonthDay = "12-31"
    representatives: list[RepresentativeIn] = Field(default_factory=list, max_length=20)
    # A private individual: told of each tacit renewal (Code de la consommation, L215-1).
    consumer: bool = False


class ClientPatch(Strict):
    name: Name | None = None
    legal_form: Line | None = None
    siren: Annotated[str | None, Field(pattern=r"^\d{9}$")] = None
    address: Lines | None = None
    activity: Line | None = None
    fiscal_year_end: MonthDay | None = None
    representatives: list[RepresentativeIn] | None = Field(default=None, max_length=20)
    consumer: bool | None = None


class ClientOut(BaseModel):
    id: str
    name: str
    legal_form: str
    siren: str
    address: str
    activity: str
    fiscal_year_end: str
    representatives: list[RepresentativeOut]
    consumer: bool = False


class PortalUserIn(Strict):
    email: EmailStr
    first_name: Line = ""
    last_name: Line = ""


class FolderIn(Strict):
    name: Name
    parent_id: str | None = None
    shared_with_client: bool = False


class FolderOut(BaseModel):
    id: str
    name: str
    parent_id: str | None
    shared_with_client: bool


class DocumentOut(BaseModel):
    id: str
    client_id: str
    folder_id: str
    mission_id: str | None
    kind: str
    name: str
    version: int
    sha256: str
    size: int
    content_type: str
    created_at: datetime
    work_item_id: str | None = None


class MoveIn(Strict):
    folder_id: str


class TemplateOut(BaseModel):
    id: str
    name: str
    variables: list[str]


class GeneralConditionsOut(BaseModel):
    """The general conditions appended to the firm's letters: its own, or Sceau's default."""

    source: Literal["default", "firm"]
    name: str
    format: Literal["docx", "pdf"]
    content_type: str
    sha256: str
    size: int
    # A PDF's page count; a .docx's depends on the letter's values.
    pages: int | None
    updated_at: datetime | None


# --- requests and missions -----------------------------------------------------------------


class ServiceRequestIn(Strict):
    service_ids: list[str] = Field(min_length=1, max_length=100)
    message: Text = ""


class ServiceRequestPatch(Strict):
    service_ids: list[str] = Field(min_length=1, max_length=100)


class ServiceRequestOut(BaseModel):
    id: str
    client_id: str
    service_ids: list[str]
    message: str
    status: str
    mission_id: str
    created_at: datetime


class LineIn(Strict):
    service_id: str
    price: Money | None = None
    frequency: Frequency | None = None


class MissionIn(Strict):
    client_id: str
    service_request_id: str | None = None
    name: Name
    period_start: date
    period_end: date
    frequency: Frequency
    lines: list[LineIn] = Field(min_length=1, max_length=500)
    renewal: Renewal = Renewal.tacit
    notice_months: Annotated[int, Field(ge=0, le=12)] = 3


class LinePatch(Strict):
    price: Money | None = None
    frequency: Frequency | None = None


class LineOut(BaseModel):
    id: str
    service_id: str
    code: str
    name: str
    price: Money
    frequency: Frequency
    yearly_amount: Amount


class TotalsOut(BaseModel):
    excl_vat: Amount
    vat_rate: Decimal
    vat: Amount
    incl_vat: Amount


class LetterOut(BaseModel):
    version: int
    document_id: str
    # The amendment the letter is for; None for the mission's own letter.
    amendment_id: str | None = None


class SignatureOut(BaseModel):
    id: str
    provider: str
    provider_request_id: str
    status: str
    letter_version: int
    signers: list[dict[str, Any]]


class TimelineEntry(BaseModel):
    status: str
    # `status` (a change of status), `renewed`, `termination` (recorded; the status stays).
    kind: str = "status"
    at: datetime
    by: str
    reason: str


class PeriodOut(BaseModel):
    start: date
    end: date


class TerminationOut(BaseModel):
    by: Literal["firm", "client"]
    reason: str
    notice_given_on: date
    agreed_end: date | None
    effective_on: date


class AmendmentSummary(BaseModel):
    id: str
    number: int
    status: str
    effective_date: date


class MissionOut(BaseModel):
    id: str
    client_id: str
    service_request_id: str | None
    name: str
    status: str
    period_start: date | None
    period_end: date | None
    frequency: Frequency | None
    lines: list[LineOut]
    totals: TotalsOut
    letters: list[LetterOut]
    signature: SignatureOut | None
    timeline: list[TimelineEntry]
    renewal: Renewal
    notice_months: int
    current_period: PeriodOut | None
    # The day the next period starts when the mission renews tacitly; null otherwise (no
    # renewal, a termination recorded, or the mission no longer active).
    next_renewal_on: date | None
    termination: TerminationOut | None
    amendments: list[AmendmentSummary] = Field(default_factory=list)


class LetterIn(Strict):
    template_id: str = "default"
    folder_id: str
    firm_representative_id: str
    client_representative_id: str


class PreviewIn(Strict):
    template_id: str = "default"
    firm_representative_id: str
    client_representative_id: str


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorOut(BaseModel):
    """Every 4xx and 5xx answer: ``{"error": {"code", "message", "details"}}``."""

    error: ErrorDetail


class LetterCreated(BaseModel):
    document_id: str
    version: int
    status: str


class SignatureIn(Strict):
    provider: Literal["yousign"] = "yousign"


class SignatureCreated(BaseModel):
    signature_id: str
    provider_request_id: str
    status: str


class TerminationIn(Strict):
    by: Literal["firm", "client"]
    reason: Text = ""
    # When notice was given; today (the firm's) when omitted.
    notice_given_on: date | None = None
    # An earlier last day both parties agreed on.
    agreed_end: date | None = None


class TerminationCreated(BaseModel):
    effective_on: date


class CancelIn(Strict):
    reason: Text = ""


class WorkOut(BaseModel):
    id: str
    mission_id: str
    service_id: str | None
    kind: WorkKind
    title: str
    due_date: date
    status: str
    answer: str | None = None


class PlanItemOut(BaseModel):
    """One piece of the mission's work in its current period: ``created`` once its task or
    information request exists, ``planned`` until then."""

    line_id: str
    service_id: str
    kind: WorkKind
    title: str
    period_start: date
    period_end: date
    due_date: date
    status: PlanStatus


class AnswerIn(Strict):
    answer: Annotated[Lines, Field(min_length=1, max_length=10000)]


# --- tokens and the audit log --------------------------------------------------------------


class TokensRevoked(BaseModel):
    revoked: int


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor: str
    token_id: str | None
    action: str
    target: str
    client_id: str | None
    mission_id: str | None
    details: dict[str, Any]


# --- amendments ----------------------------------------------------------------------------


class AmendmentIn(Strict):
    """The mission's whole new set of lines, from ``effective_date``."""

    lines: list[LineIn] = Field(min_length=1, max_length=500)
    effective_date: date
    reason: Text = ""


class AmendmentOut(AmendmentSummary):
    mission_id: str
    reason: str
    lines: list[LineOut]
    # Each line added, removed or changed: {kind, service_id, name, before, after}.
    changes: list[dict[str, Any]]
    letter_version: int
    document_id: str | None
    signature_id: str | None
    created_at: datetime
