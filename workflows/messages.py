"""Everything that crosses the workflow boundary: small dataclasses of strings and numbers.

Dates are ISO strings and money decimal strings, so that histories read plainly in the Web UI
and no database object or document byte ever enters a history.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MISSIONS_QUEUE = "missions"
DOCUMENTS_QUEUE = "documents"


def mission_workflow_id(mission_id: str) -> str:
    return f"mission-{mission_id}"


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


class Updates:
    open_request = "open_request"
    create_mission = "create_mission"
    change_line = "change_line"
    generate_letter = "generate_letter"
    request_signature = "request_signature"


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


@dataclass
class LineChange:
    line_id: str
    by: str
    price: str | None = None
    frequency: str | None = None


@dataclass
class LetterRequest:
    template_id: str
    folder_id: str
    firm_representative_id: str
    client_representative_id: str
    by: str


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
class SignatureStarted:
    signature_id: str
    provider_request_id: str
    status: str


@dataclass
class SignatureEvent:
    """A provider event, already verified by the webhook endpoint."""

    event_id: str
    # one of: signer_done, done, declined, expired, canceled
    kind: str
    reason: str = ""
    signer_email: str = ""


@dataclass
class CancelRequest:
    by: str
    reason: str = ""


@dataclass
class MissionState:
    mission_id: str
    status: str | None
    letter_version: int
    letter_document_ids: list[str] = field(default_factory=list)
    signature: SignatureStarted | None = None
    signers_done: list[str] = field(default_factory=list)


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
