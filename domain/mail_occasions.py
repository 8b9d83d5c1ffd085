"""Who hears of what happened to a mission, by e-mail: an occasion (contracts/mail.py) turned
into one message per recipient, with the names and addresses read from the database.

Each message's idempotency key names the occasion and the recipient, so that a message is
sent once however often its occasion is looked at. Links to Sceau's pages are paths, made
absolute with SCEAU_PUBLIC_URL by the sending activity.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from contracts.mail import MailInput, MailKind, MailOccasion, mail_key
from domain.enums import Role, WorkKind, WorkStatus
from domain.mail_messages import french_date
from domain.models import (
    Client,
    Document,
    Firm,
    Folder,
    Mission,
    PortalUser,
    Representative,
    Service,
    ServiceRequest,
    SignatureRequest,
    Staff,
    WorkItem,
)
from domain.period import last_day_to_refuse, next_period

# The pages each message links to (web/ serves them).
CLIENT_DOCUMENTS = "/client/documents"
# How far the worker's clock may lag the Temporal server's: a request created by an opening
# is never stamped more than this before the opening's instant.
CLOCK_MARGIN = timedelta(seconds=30)
CLIENT_INFORMATION_REQUESTS = "/client/information-requests"


def staff_mission_page(mission_id: str) -> str:
    return f"/app/missions/{mission_id}"


def staff_request_page(request_id: str) -> str:
    return f"/app/service-requests/{request_id}"


class UnknownOccasion(LookupError):
    """The occasion names a mission, document or request that is not there."""


def full_name(first: str, last: str) -> str:
    return f"{first} {last}".strip()


def signer_name(signer: dict[str, Any]) -> str:
    return full_name(signer.get("first_name", ""), signer.get("last_name", ""))


def _mission(session: Session, mission_id: str) -> tuple[Mission, Firm, Client]:
    mission = session.get(Mission, mission_id)
    firm = session.get(Firm, mission.firm_id) if mission else None
    client = session.get(Client, mission.client_id) if mission else None
    if mission is None or firm is None or client is None:
        raise UnknownOccasion(f"mission {mission_id}")
    return mission, firm, client


def _signature(session: Session, occasion: MailOccasion) -> SignatureRequest:
    record = session.exec(
        select(SignatureRequest).where(
            SignatureRequest.mission_id == occasion.mission_id,
            SignatureRequest.letter_version == occasion.letter_version,
        )
    ).first()
    if record is None:
        raise UnknownOccasion(f"letter v{occasion.letter_version} of {occasion.mission_id}")
    return record


def _portal_users(session: Session, client_id: str) -> list[PortalUser]:
    return list(
        session.exec(
            select(PortalUser)
            .where(PortalUser.client_id == client_id)
            .order_by(col(PortalUser.email))
        )
    )


def letter_to_sign(session: Session, occasion: MailOccasion) -> list[MailInput]:
    """Each signer of the letter who has a signing link: the client's and the firm's."""
    mission, firm, client = _mission(session, occasion.mission_id)
    mails = []
    for signer in _signature(session, occasion).signers:
        link = occasion.signing_links.get(signer.get("email", ""))
        if not link:
            continue
        mails.append(
            MailInput(
                idempotency_key=mail_key(
                    MailKind.letter_to_sign,
                    mission.id,
                    f"v{occasion.letter_version}",
                    signer.get("role", signer["email"]),
                ),
                kind=MailKind.letter_to_sign,
                to_email=signer["email"],
                to_name=signer_name(signer),
                firm_name=firm.name,
                client_name=client.name,
                mission_id=mission.id,
                mission_name=mission.name,
                link=link,
                expires_on=occasion.expires_on,
                # An amendment's signature request carries the letter version -N.
                amendment_number=max(-occasion.letter_version, 0),
            )
        )
    return mails


def to_firm_signer(session: Session, occasion: MailOccasion, kind: MailKind) -> list[MailInput]:
    """A declined or expired letter: the firm's signer hears of it (the staff member who
    represents the firm on that letter)."""
    mission, firm, client = _mission(session, occasion.mission_id)
    signers = _signature(session, occasion).signers
    declined_by = next((s for s in signers if s.get("email") == occasion.signer_email), None)
    return [
        MailInput(
            idempotency_key=mail_key(
                kind, mission.id, f"v{occasion.letter_version}", signer.get("role", "firm")
            ),
            kind=kind,
            to_email=signer["email"],
            to_name=signer_name(signer),
            firm_name=firm.name,
            client_name=client.name,
            mission_id=mission.id,
            mission_name=mission.name,
            link=staff_mission_page(mission.id),
            expires_on=occasion.expires_on,
            signer_name=signer_name(declined_by) if declined_by else "",
            reason=occasion.reason,
            amendment_number=max(-occasion.letter_version, 0),
        )
        for signer in signers
        if signer.get("role") == "firm" and signer.get("email")
    ]


def document_shared(session: Session, occasion: MailOccasion) -> list[MailInput]:
    """The client's portal users, when the document lies in a folder shared with them."""
    document = (
        session.get(Document, occasion.document_id)
        if occasion.document_id
        else session.exec(select(Document).where(Document.key == occasion.document_key)).first()
    )
    if document is None:
        raise UnknownOccasion(f"document {occasion.document_id or occasion.document_key}")
    folder = session.get(Folder, document.folder_id)
    if folder is None or not folder.shared_with_client:
        return []
    firm = session.get(Firm, document.firm_id)
    client = session.get(Client, document.client_id)
    assert firm is not None and client is not None
    return [
        MailInput(
            idempotency_key=mail_key(MailKind.document_shared, document.id, user.id),
            kind=MailKind.document_shared,
            to_email=user.email,
            to_name=full_name(user.first_name, user.last_name),
            firm_name=firm.name,
            client_name=client.name,
            mission_id=document.mission_id or "",
            document_name=document.name,
            link=CLIENT_DOCUMENTS,
        )
        for user in _portal_users(session, document.client_id)
    ]


def information_request(session: Session, occasion: MailOccasion) -> list[MailInput]:
    """The open information requests an opening created (all the mission's open ones for an
    occasion without ``opened_at``), in one message to each portal user."""
    mission, firm, client = _mission(session, occasion.mission_id)
    query = select(WorkItem).where(
        WorkItem.mission_id == mission.id,
        WorkItem.kind == WorkKind.information_request,
        WorkItem.status == WorkStatus.open,
    )
    if occasion.opened_at:
        # Created by this opening, or by an attempt of it that died before reporting: after
        # the workflow's instant, less a margin for the worker's clock. An opening that only
        # finds the slices already open (after an amendment) lists nothing new.
        since = datetime.fromisoformat(occasion.opened_at) - CLOCK_MARGIN
        query = query.where(col(WorkItem.created_at) >= since)
    items = list(session.exec(query.order_by(col(WorkItem.due_date), col(WorkItem.title))))
    if not items:
        return []
    batch = hashlib.sha256(",".join(sorted(i.id for i in items)).encode()).hexdigest()[:12]
    lines = [f"{item.title} — avant le {french_date(item.due_date.isoformat())}" for item in items]
    return [
        MailInput(
            idempotency_key=mail_key(MailKind.information_request, mission.id, batch, user.id),
            kind=MailKind.information_request,
            to_email=user.email,
            to_name=full_name(user.first_name, user.last_name),
            firm_name=firm.name,
            client_name=client.name,
            mission_id=mission.id,
            mission_name=mission.name,
            items=lines,
            link=CLIENT_INFORMATION_REQUESTS,
        )
        for user in _portal_users(session, client.id)
    ]


def service_request(session: Session, occasion: MailOccasion) -> list[MailInput]:
    """A client's request for services: the firm's admins hear of it."""
    request = session.get(ServiceRequest, occasion.service_request_id)
    if request is None:
        raise UnknownOccasion(f"service request {occasion.service_request_id}")
    firm = session.get(Firm, request.firm_id)
    client = session.get(Client, request.client_id)
    assert firm is not None and client is not None
    names = {
        s.id: s.name
        for s in session.exec(select(Service).where(col(Service.id).in_(request.service_ids)))
    }
    admins = session.exec(
        select(Staff)
        .where(Staff.firm_id == firm.id, Staff.role == Role.admin)
        .order_by(col(Staff.email))
    )
    return [
        MailInput(
            idempotency_key=mail_key(MailKind.service_request, request.id, staff.id),
            kind=MailKind.service_request,
            to_email=staff.email,
            to_name=full_name(staff.first_name, staff.last_name),
            firm_name=firm.name,
            client_name=client.name,
            mission_id=request.mission_id,
            services=[names[i] for i in request.service_ids if i in names],
            message=request.message,
            link=staff_request_page(request.id),
        )
        for staff in admins
    ]


def renewal_notice(session: Session, occasion: MailOccasion) -> list[MailInput]:
    """The consumer's notice of the coming renewal, to whoever of the client has an e-mail:
    its portal users, else its representatives; nobody when none has one."""
    notice = session.get(Document, occasion.document_id)
    if notice is None or notice.mission_id is None:
        raise UnknownOccasion(f"renewal notice {occasion.document_id}")
    mission, firm, client = _mission(session, notice.mission_id)
    if mission.period_start is None or mission.period_end is None:
        raise UnknownOccasion(f"the period of mission {mission.id}")
    following = next_period(mission.period_start, mission.period_end)
    recipients = [
        (user.id, user.email, full_name(user.first_name, user.last_name))
        for user in _portal_users(session, client.id)
    ] or [
        (rep.id, rep.email, full_name(rep.first_name, rep.last_name))
        for rep in session.exec(
            select(Representative)
            .where(Representative.client_id == client.id, Representative.email != "")
            .order_by(col(Representative.email))
        )
    ]
    return [
        MailInput(
            idempotency_key=mail_key(MailKind.renewal_notice, notice.id, recipient_id),
            kind=MailKind.renewal_notice,
            to_email=email,
            to_name=name,
            firm_name=firm.name,
            client_name=client.name,
            mission_id=mission.id,
            mission_name=mission.name,
            document_name=notice.name,
            link=CLIENT_DOCUMENTS,
            period_end=mission.period_end.isoformat(),
            next_period_start=following[0].isoformat(),
            next_period_end=following[1].isoformat(),
            refuse_by=last_day_to_refuse(mission.period_end, mission.notice_months).isoformat(),
        )
        for recipient_id, email, name in recipients
    ]


OCCASIONS: dict[str, Callable[[Session, MailOccasion], list[MailInput]]] = {
    MailKind.letter_to_sign: letter_to_sign,
    MailKind.document_shared: document_shared,
    MailKind.information_request: information_request,
    MailKind.service_request: service_request,
    MailKind.letter_declined: lambda s, o: to_firm_signer(s, o, MailKind.letter_declined),
    MailKind.letter_expired: lambda s, o: to_firm_signer(s, o, MailKind.letter_expired),
    MailKind.renewal_notice: renewal_notice,
}


def mails_for(session: Session, occasion: MailOccasion) -> list[MailInput]:
    """The messages the occasion sends, one per recipient (none when nobody is to hear)."""
    build = OCCASIONS.get(occasion.kind)
    if build is None:
        raise UnknownOccasion(f"kind of e-mail {occasion.kind!r}")
    return build(session, occasion)
