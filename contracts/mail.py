"""What a workflow hands the mail activity: one message, to one recipient, sent once.

The input carries the facts the message needs (names, dates, links), never bytes; the
activity builds the French text (domain/mail_messages.py), sends it and records it under
``idempotency_key``, so that a retried activity sends nothing more. Build the key with
``mail_key`` from the facts that make the message unique (see docs/mail.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

# The activities' names, so that workflows call them without importing their code:
# `mails_for` turns what happened into the messages (one per recipient), `send_mail` sends one;
# `send_occasion_mails` does both in one activity (the `mail-in-one-activity` patch).
MAILS_FOR = "mails_for"
SEND_MAIL = "send_mail"
SEND_OCCASION_MAILS = "send_occasion_mails"
# The longest idempotency key the `sentmail` table keeps.
MAIL_KEY_MAX = 255


class MailKind(StrEnum):
    """Which message: its value is in recorded histories, keep each as it is."""

    # To a signer (the client's representative, the firm's): the letter, with the signing link.
    letter_to_sign = "letter_to_sign"
    # To the client's portal users: a document put in a folder shared with them.
    document_shared = "document_shared"
    # To the client's portal users: an information request to answer.
    information_request = "information_request"
    # To the firm's staff: a client asked for services from the portal.
    service_request = "service_request"
    # To the firm's staff: a signer declined the letter, or it expired unsigned.
    letter_declined = "letter_declined"
    letter_expired = "letter_expired"
    # To a consumer client: the notice of the coming tacit renewal (Code de la consommation,
    # art. L215-1), filed in the client's shared folder and e-mailed once per renewal.
    renewal_notice = "renewal_notice"


@dataclass
class MailInput:
    """One message. ``link`` is absolute (the provider's signing link) or a path of Sceau's
    pages (``/client/documents``), which the activity joins to ``SCEAU_PUBLIC_URL``. Dates are
    ISO (``2027-03-31``); empty strings are facts not known."""

    idempotency_key: str
    kind: str
    to_email: str
    to_name: str = ""
    firm_name: str = ""
    client_name: str = ""
    mission_id: str = ""
    mission_name: str = ""
    link: str = ""
    # letter_to_sign: the last day the link works, and the amendment's number (0: the letter).
    expires_on: str = ""
    amendment_number: int = 0
    # document_shared: the document's name.
    document_name: str = ""
    # information_request: its title and due date, or several, one line each ("title — date").
    title: str = ""
    due_date: str = ""
    items: list[str] = field(default_factory=list)
    # service_request: the services asked for, and the client's message.
    services: list[str] = field(default_factory=list)
    message: str = ""
    # letter_declined: who declined, and why.
    signer_name: str = ""
    reason: str = ""
    # renewal_notice: the period's last day, the next period, the last day to refuse it.
    period_end: str = ""
    next_period_start: str = ""
    next_period_end: str = ""
    refuse_by: str = ""


@dataclass
class MailOccasion:
    """What happened, in the ids a workflow knows; ``mails_for`` reads the rest (names,
    addresses) from the database and answers one ``MailInput`` per recipient, keyed.

    ``kind`` and the facts it uses: letter_to_sign — mission_id, letter_version,
    signing_links (each signer's link by e-mail, from the provider), expires_on;
    document_shared — document_id, or document_key (its GED key, e.g. the signed letter's
    ``signed_key("signed_letter", mission, version)``); information_request — mission_id,
    opened_at (the requests that opening created); service_request — service_request_id;
    letter_declined —
    mission_id, letter_version, signer_email, reason; letter_expired — mission_id,
    letter_version, expires_on; renewal_notice — document_id (the notice filed).
    """

    kind: str
    mission_id: str = ""
    letter_version: int = 0
    signing_links: dict[str, str] = field(default_factory=dict)
    expires_on: str = ""
    signer_email: str = ""
    reason: str = ""
    document_id: str = ""
    document_key: str = ""
    service_request_id: str = ""
    # information_request: the instant of the opening (ISO, the workflow's clock): only the
    # requests created from then on are listed. Empty: every open one.
    opened_at: str = ""


@dataclass
class MailSent:
    message_id: str
    # False when an earlier attempt had already sent it: nothing was sent this time.
    sent: bool


def mail_key(kind: MailKind | str, *facts: str | int) -> str:
    """``mail:<kind>:<fact>:<fact>…``: the same facts give the same key, hence one message.

    Name the occurrence and the recipient, e.g. ``mail_key(MailKind.letter_to_sign,
    mission_id, f"v{version}", "client")``.
    """
    key = ":".join(["mail", str(kind), *(str(fact) for fact in facts)])
    if len(key) > MAIL_KEY_MAX:
        raise ValueError(f"a mail key is at most {MAIL_KEY_MAX} characters")
    return key
