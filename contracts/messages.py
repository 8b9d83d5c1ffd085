"""Everything that crosses the workflow boundary: small dataclasses of strings and numbers.

Dates are ISO strings and money decimal strings, so that histories read plainly in the Web UI
and no database object or document byte ever enters a history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

MISSIONS_QUEUE = "missions"
DOCUMENTS_QUEUE = "documents"
# The heartbeat timeout of the documents activities (render, convert): a worker killed in the
# middle of one loses it to another worker after this, not after the start-to-close timeout.
# The activities heartbeat every quarter of it (activities/heartbeats.py).
DOCUMENT_HEARTBEAT = timedelta(seconds=20)
# Their start-to-close timeout: one rendering or one conversion, however long the queue.
DOCUMENT_TIMEOUT = timedelta(minutes=3)


class Activities:
    """Activity names, so that workflows call them without importing their code."""

    record_transition = "record_transition"
    save_mission = "save_mission"
    change_line = "change_line"
    render_letter = "render_letter"
    convert_to_pdf = "convert_to_pdf"
    file_letter = "file_letter"
    send_for_signature = "send_for_signature"
    cancel_signature = "cancel_signature"
    record_signature_status = "record_signature_status"
    file_signed_letter = "file_signed_letter"
    create_work = "create_work"
    remind_signers = "remind_signers"
    fetch_signature_status = "fetch_signature_status"
    create_follow_up_task = "create_follow_up_task"
    # Period by period (issue 15): the open slices' work, a renewal, a termination, its end,
    # the consumer's renewal notice.
    open_work = "open_work"
    renew_mission = "renew_mission"
    record_termination = "record_termination"
    end_work = "end_work"
    render_renewal_notice = "render_renewal_notice"
    file_renewal_notice = "file_renewal_notice"


class Updates:
    open_request = "open_request"
    create_mission = "create_mission"
    change_line = "change_line"
    generate_letter = "generate_letter"
    request_signature = "request_signature"
    terminate = "terminate"


class Signals:
    signature_event = "signature_event"
    cancel = "cancel"


# --- workflow inputs and messages -------------------------------------------------------


@dataclass
class MissionStart:
    mission_id: str
    firm_id: str
    client_id: str
    service_request_id: str | None = None
    signature_expiry_days: int = 30
    documents_queue: str = DOCUMENTS_QUEUE
    # Reminders while a letter waits: every `interval` days after sending, at most `max` times.
    signature_reminder_interval_days: int = 7
    signature_reminder_max: int = 3
    # Ask the provider for the request's status after this long without any event.
    signature_poll_after_hours: int = 24
    # Continue as new once the history holds this many events (Temporal warns at 10 240).
    history_event_limit: int = 5000
    # The state of the run that continued as new; None on a mission's first run.
    carried: MissionWorkflowState | None = None


@dataclass
class SignatureStarted:
    signature_id: str
    provider_request_id: str
    status: str
    # Each signer's signing link, by e-mail, as the provider gave them: the workflow e-mails
    # them (empty in histories recorded before).
    signing_links: dict[str, str] = field(default_factory=dict)


@dataclass
class SignatureEvent:
    """A provider event, already verified by the webhook endpoint."""

    event_id: str
    # one of: signer_done, done, declined, expired, canceled
    kind: str
    reason: str = ""
    signer_email: str = ""
    # Sceau's signature request the event is about (empty: the mission's letter, as events
    # had before amendments): an amendment's events go to the amendment.
    signature_id: str = ""


@dataclass
class CancelRequest:
    by: str
    reason: str = ""


@dataclass
class LetterRequest:
    template_id: str
    folder_id: str
    firm_representative_id: str
    client_representative_id: str
    by: str


@dataclass
class TerminationRequest:
    """A termination the firm records, by itself or by the client (dates ISO)."""

    party: str
    reason: str
    notice_given_on: str
    by: str
    agreed_end: str | None = None


@dataclass
class Termination:
    request: TerminationRequest
    # The mission's last day, and the instant (the firm's next day begins) it ends.
    effective_on: str
    ends_at: datetime


@dataclass
class MissionWorkflowState:
    """Everything MissionWorkflow remembers from one update, signal or timer to the next.

    The workflow holds it as `self.state` and hands it whole to its next run at
    continue-as-new (`MissionStart.carried`). A new field needs a default, so that a state
    carried by an older run still reads; that is all it needs to survive continue-as-new.
    (`MissionState` is what the `state` query and the updates answer: a view of it.)
    """

    # None until the update that starts the mission has recorded its first transition.
    status: str | None = None
    # The number of the last transition recorded (`TransitionInput.seq`).
    seq: int = 0
    period_end: str | None = None
    letter: LetterRequest | None = None
    letter_version: int = 0
    letter_document_ids: list[str] = field(default_factory=list)
    signature: SignatureStarted | None = None
    # When the letter was sent (an ISO string in the payload): expiry and reminders count from it.
    sent_at: datetime | None = None
    signers_done: list[str] = field(default_factory=list)
    # The provider's event ids seen so far: it delivers at least once.
    seen_event_ids: list[str] = field(default_factory=list)
    # Signals received but not handled yet: the provider's events in the order they came, then
    # the cancel. A cancel ends the mission, so nothing that comes after it is kept.
    pending_events: list[SignatureEvent] = field(default_factory=list)
    pending_cancel: CancelRequest | None = None
    reminders_sent: int = 0
    # When the provider last told us something (an event, or an answer to a poll).
    last_heard_at: datetime | None = None
    polls: int = 0
    # Whether the mission keeps reminder and poll timers while it waits for signatures (None:
    # not decided yet); missions that waited before those timers existed keep only the expiry.
    signature_timers: bool | None = None
    # How many runs the mission's history has been split into by continue-as-new.
    runs: int = 1
    # --- period by period (the `work-by-period` patch); a state carried by an older run
    # reads as a mission that got all its work at once and completes at its period's end.
    by_period: bool = False
    period_start: str | None = None
    renewal: str = "none"
    notice_months: int = 3
    # The current period's number: 0 for the period the letter was signed for.
    renewals: int = 0
    # When the next slice's work opens (None: every slice of the period is open).
    next_opening: datetime | None = None
    # When the current period ends: the firm's openings time of the day after its last day.
    period_ends_at: datetime | None = None
    # The consumer's renewal notice for this period: when it may go out, when it no longer
    # may, and whether it was dealt with (filed, or its window missed).
    notice_from: datetime | None = None
    notice_until: datetime | None = None
    notice_done: bool = False
    termination: Termination | None = None
    # The amendment in progress, one at a time (workflows/amendments.py).
    amendment: AmendmentInProgress | None = None
    # Whether the mission sends its e-mails (the `mail-notifications` patch; None: not
    # decided yet). Decided the first time a message is due, kept for the mission's life.
    mail_notifications: bool | None = None
    # Whether the mission's database steps run as local activities (the
    # `local-database-steps` patch, workflows/steps.py; None: not decided yet). Decided at its
    # first step, kept for the mission's life.
    local_steps: bool | None = None
    # Whether an occasion's messages are looked up and sent by one activity (the
    # `mail-in-one-activity` patch; None: not decided yet). Decided with the first message due,
    # kept for the mission's life.
    mail_in_one_activity: bool | None = None


@dataclass
class RequestOpened:
    by: str
    service_request_id: str


@dataclass
class LineInput:
    line_id: str
    service_id: str
    code: str
    name: str
    description: str
    price: str
    frequency: str


@dataclass
class MissionDraft:
    name: str
    period_start: str
    period_end: str
    frequency: str
    lines: list[LineInput]
    by: str
    renewal: str = "tacit"
    notice_months: int = 3


@dataclass
class LineChange:
    line_id: str
    by: str
    price: str | None = None
    frequency: str | None = None


@dataclass
class LetterFiled:
    document_id: str
    version: int
    status: str


@dataclass
class SignatureAsk:
    provider: str
    by: str


@dataclass
class MissionState:
    """What the `state` query and the updates answer: a view of `MissionWorkflowState`."""

    mission_id: str
    status: str | None
    letter_version: int
    letter_document_ids: list[str] = field(default_factory=list)
    signature: SignatureStarted | None = None
    signers_done: list[str] = field(default_factory=list)
    reminders_sent: int = 0
    # How many runs the mission's history has been split into by continue-as-new.
    runs: int = 1


# --- activity inputs ----------------------------------------------------------------------


@dataclass
class TransitionInput:
    mission_id: str
    firm_id: str
    client_id: str
    seq: int
    status: str
    by: str
    reason: str
    at: str
    service_request_id: str | None = None


@dataclass
class SaveMissionInput:
    mission_id: str
    firm_id: str
    client_id: str
    service_request_id: str | None
    draft: MissionDraft


@dataclass
class ChangeLineInput:
    mission_id: str
    change: LineChange


@dataclass
class RenderInput:
    mission_id: str
    version: int
    template_id: str
    firm_representative_id: str
    client_representative_id: str
    # Where the rendered file goes, relative to the scratch directory.
    scratch_name: str
    # The letter's date, from the workflow's clock so a retry renders the same letter.
    letter_date: str
    # A preview's: the digest of the inputs the caller saw (domain/letter_previews.py). The
    # render refuses (Conflict) if what it reads differs, so a PDF is never kept under a digest
    # it was not made from. Empty for the mission's real letters.
    inputs_digest: str = ""


@dataclass
class ConvertInput:
    docx_name: str


@dataclass
class FileLetterInput:
    mission_id: str
    version: int
    folder_id: str
    pdf_name: str


@dataclass
class SendForSignatureInput:
    mission_id: str
    version: int
    document_id: str
    provider: str
    firm_representative_id: str
    client_representative_id: str
    # When the provider should expire the request (ISO datetime, UTC); empty: its default.
    expires_at: str = ""
    reminder_interval_days: int = 0
    reminder_max: int = 0


@dataclass
class CancelSignatureInput:
    signature_id: str
    reason: str


@dataclass
class SignatureStatusInput:
    signature_id: str
    # ongoing (a signer signed), declined, expired or canceled
    status: str
    signer_email: str = ""


@dataclass
class FileSignedInput:
    mission_id: str
    signature_id: str


@dataclass
class WorkCreated:
    tasks: int
    information_requests: int


@dataclass
class RemindInput:
    signature_id: str
    # The reminder's number (1, 2, ...): with the signature it makes the reminder happen once.
    number: int


@dataclass
class ProviderStatus:
    """What the provider says of a request when asked (the fallback for lost webhooks)."""

    # draft, ongoing, done, declined, expired, canceled
    status: str
    signed_emails: list[str] = field(default_factory=list)
    reason: str = ""


@dataclass
class FollowUpInput:
    mission_id: str
    reason: str


@dataclass
class OpenWorkInput:
    """Create the work of the period's slices open at ``as_of`` (the workflow's clock). An
    empty period: the mission's row's period and terms (a mission drafted before the workflow
    kept its period start and renewal terms)."""

    mission_id: str
    renewal_number: int
    period_start: str
    period_end: str
    renewal: str
    notice_months: int
    as_of: datetime
    # A termination's last day: no slice starting after it opens.
    until: str | None = None


@dataclass
class WorkOpened:
    """What is open now, and the period's instants in the firm's time."""

    tasks: int
    information_requests: int
    next_opening: datetime | None
    period_ends_at: datetime
    notice_from: datetime | None = None
    notice_until: datetime | None = None
    # The period and terms the work was opened for (the row's, when the input had none).
    period_start: str = ""
    period_end: str = ""
    renewal: str = ""
    notice_months: int = 3


@dataclass
class RenewInput:
    """Renew the period [period_start, period_end] into the next, numbered ``renewal_number``."""

    mission_id: str
    seq: int
    renewal_number: int
    period_start: str
    period_end: str
    at: str


@dataclass
class RenewedPeriod:
    period_start: str
    period_end: str


@dataclass
class TerminationInput:
    mission_id: str
    seq: int
    request: TerminationRequest
    period_start: str
    period_end: str
    notice_months: int
    renews: bool
    at: str


@dataclass
class TerminationRecorded:
    effective_on: str
    ends_at: datetime


@dataclass
class EndWorkInput:
    mission_id: str
    effective_on: str


@dataclass
class NoticeInput:
    """The consumer's notice of a coming renewal; one per (mission, renewal number)."""

    mission_id: str
    renewal_number: int
    period_start: str
    period_end: str
    notice_months: int
    scratch_name: str = ""
    # The notice's date, from the workflow's clock so a retry renders the same notice.
    notice_date: str = ""


# --- amendments (*avenants*, issue 15): drafted, lettered, signed inside the mission's
# workflow while the mission stays active -------------------------------------------------


class AmendmentActivities:
    """The amendment's own activities; its signature goes through the letter's ones."""

    save_amendment = "save_amendment"
    render_amendment_letter = "render_amendment_letter"
    file_amendment_letter = "file_amendment_letter"
    record_amendment = "record_amendment"
    file_signed_amendment = "file_signed_amendment"


class AmendmentUpdates:
    draft_amendment = "draft_amendment"
    generate_amendment_letter = "generate_amendment_letter"
    request_amendment_signature = "request_amendment_signature"
    cancel_amendment = "cancel_amendment"


@dataclass
class AmendmentDraft:
    """The whole new set of lines (ids kept for the lines that stay), from ``effective_date``."""

    amendment_id: str
    effective_date: str
    reason: str
    lines: list[LineInput]
    by: str


@dataclass
class AmendmentLetterRequest:
    amendment_id: str
    template_id: str
    folder_id: str
    firm_representative_id: str
    client_representative_id: str
    by: str


@dataclass
class AmendmentSignatureAsk:
    amendment_id: str
    provider: str
    by: str


@dataclass
class AmendmentCancel:
    amendment_id: str
    by: str
    reason: str = ""


@dataclass
class AmendmentInProgress:
    """The amendment the mission's workflow is carrying (one at a time), and its signature."""

    amendment_id: str
    number: int
    effective_date: str
    status: str
    letter: AmendmentLetterRequest | None = None
    letter_version: int = 0
    document_id: str = ""
    signature: SignatureStarted | None = None
    sent_at: datetime | None = None
    last_heard_at: datetime | None = None
    reminders_sent: int = 0
    polls: int = 0
    signers_done: list[str] = field(default_factory=list)


@dataclass
class AmendmentAnswer:
    """What the amendment updates answer."""

    amendment_id: str
    number: int
    status: str
    document_id: str = ""
    version: int = 0
    signature: SignatureStarted | None = None


@dataclass
class SaveAmendmentInput:
    mission_id: str
    seq: int
    draft: AmendmentDraft
    at: str


@dataclass
class AmendmentRenderInput:
    amendment_id: str
    version: int
    template_id: str
    firm_representative_id: str
    client_representative_id: str
    scratch_name: str
    letter_date: str


@dataclass
class FileAmendmentLetterInput:
    amendment_id: str
    version: int
    folder_id: str
    pdf_name: str


@dataclass
class AmendmentStatusInput:
    """The amendment's new status with its timeline entry; ``signed`` also brings the lines
    it adds into the mission's lines (their terms in force from the effective date)."""

    mission_id: str
    amendment_id: str
    seq: int
    status: str
    by: str
    reason: str
    at: str
    document_id: str = ""
    signature_id: str = ""
    letter_version: int = 0


@dataclass
class FileSignedAmendmentInput:
    amendment_id: str
    signature_id: str
