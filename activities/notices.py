"""The consumer's notice of a tacit renewal (Code de la consommation, art. L215-1): rendered
from the default notice template (documents queue), converted like a letter, filed once per
(mission, renewal number) in the client's shared folder (missions queue)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import Session, col, select
from temporalio import activity

from activities.heartbeats import heartbeating
from activities.letters import drop_working_files, scratch_path, write_scratch
from contracts.errors import ErrorType, failure, not_found
from contracts.messages import Activities, NoticeInput
from documents.rendering import TemplateError, render_docx
from domain.db import session_scope
from domain.documents import file_document
from domain.enums import DocumentKind
from domain.ged import BlobStore
from domain.models import Client, Firm, Folder, Mission
from domain.period import format_date_fr, last_day_to_refuse, next_period

NOTICE_TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "avis_de_reconduction.docx"
# Where the notice goes when the client has it: the folder the signed letter is shared in.
PREFERRED_FOLDER = "Lettres de mission"


def notice_key(mission_id: str, renewal_number: int) -> str:
    return f"renewal-notice:{mission_id}:{renewal_number}"


def notice_context(notice: NoticeInput, today: date) -> dict[str, object]:
    with session_scope(write=False) as session:
        mission = session.get(Mission, notice.mission_id)
        if mission is None:
            raise not_found(f"mission {notice.mission_id}")
        firm, client = session.get(Firm, mission.firm_id), session.get(Client, mission.client_id)
        if firm is None or client is None:
            raise not_found("the mission's firm or client")
        start, end = date.fromisoformat(notice.period_start), date.fromisoformat(notice.period_end)
        following = next_period(start, end)
        return {
            "firm": {"name": firm.name, "address": firm.address, "siren": firm.siren},
            "client": {"name": client.name, "address": client.address},
            "mission": {"name": mission.name},
            "period_end": format_date_fr(end),
            "next_period_start": format_date_fr(following[0]),
            "next_period_end": format_date_fr(following[1]),
            "refuse_by": format_date_fr(last_day_to_refuse(end, notice.notice_months)),
            "notice_months": str(notice.notice_months),
            "date": format_date_fr(today),
        }


@activity.defn(name=Activities.render_renewal_notice)
def render_renewal_notice(notice: NoticeInput) -> str:
    """The notice as .docx in the scratch directory; its name for the conversion."""
    with heartbeating():
        today = date.fromisoformat(notice.notice_date) if notice.notice_date else date.today()
        context = notice_context(notice, today)
        try:
            docx = render_docx(NOTICE_TEMPLATE.read_bytes(), context)
        except TemplateError as error:
            raise failure(str(error), ErrorType.template_error) from error
    write_scratch(notice.scratch_name, docx)
    return notice.scratch_name


def shared_folder(session: Session, client_id: str) -> Folder:
    folders = list(
        session.exec(
            select(Folder)
            .where(Folder.client_id == client_id, col(Folder.shared_with_client))
            .order_by(col(Folder.id))
        )
    )
    if not folders:
        raise not_found(f"a folder shared with client {client_id}")
    return next((f for f in folders if f.name == PREFERRED_FOLDER), folders[0])


class NoticeActivities:
    """Files the notice in the client's GED (the missions queue)."""

    def __init__(self, blobs: BlobStore) -> None:
        self.blobs = blobs

    @activity.defn(name=Activities.file_renewal_notice)
    def file_renewal_notice(self, notice: NoticeInput) -> str:
        """File the converted notice (``scratch_name``: the PDF) once per renewal."""
        pdf_path = scratch_path(notice.scratch_name)
        with session_scope() as session:
            mission = session.get(Mission, notice.mission_id)
            if mission is None:
                raise not_found(f"mission {notice.mission_id}")
            folder = shared_folder(session, mission.client_id)
            end = date.fromisoformat(notice.period_end)
            document = file_document(
                session,
                self.blobs,
                key=notice_key(mission.id, notice.renewal_number),
                firm_id=mission.firm_id,
                client_id=mission.client_id,
                folder_id=folder.id,
                mission_id=mission.id,
                kind=DocumentKind.renewal_notice,
                name=f"Avis de reconduction - {mission.name} - {end.isoformat()}.pdf",
                version=1,
                data=pdf_path.read_bytes,
            )
            document_id = document.id
        drop_working_files(pdf_path)
        return document_id
