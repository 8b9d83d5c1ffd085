"""What a letter is made of, read from the database and the blob store: the template's bytes,
the values merged into it, and the general conditions appended after it. The render activity
reads them to make the letter; the preview reads them to know whether its last PDF still holds
(domain/letter_previews.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from contracts.errors import not_found
from contracts.messages import RenderInput
from domain.db import session_scope
from domain.ged import BlobStore
from domain.general_conditions import ConditionsSource, conditions_source
from domain.letter import letter_context
from domain.letter_templates import template_bytes
from domain.models import Client, Firm, Mission, MissionLine, Representative, Staff
from domain.queries import mission_lines


@dataclass(frozen=True)
class LetterParties:
    """Who a letter is between: the mission's firm and client, and their representatives."""

    firm: Firm
    client: Client
    firm_representative: Staff
    client_representative: Representative


def letter_parties(
    session: Session, mission: Mission, firm_representative_id: str, client_representative_id: str
) -> LetterParties:
    """The letter's parties, each checked to be the mission's firm's or client's."""
    firm = session.get(Firm, mission.firm_id)
    client = session.get(Client, mission.client_id)
    firm_rep = session.get(Staff, firm_representative_id)
    client_rep = session.get(Representative, client_representative_id)
    if firm is None or client is None:
        raise not_found("the mission's firm or client")
    if firm_rep is None or firm_rep.firm_id != firm.id:
        raise not_found(f"firm representative {firm_representative_id}")
    if client_rep is None or client_rep.client_id != client.id:
        raise not_found(f"client representative {client_representative_id}")
    return LetterParties(firm, client, firm_rep, client_rep)


def parties_context(
    parties: LetterParties,
    mission: Mission,
    lines: list[MissionLine],
    *,
    letter_date: date,
    version: int,
) -> dict[str, object]:
    """The values a letter (or an amendment's) merges, for these parties and lines."""
    return letter_context(
        firm=parties.firm,
        firm_representative=parties.firm_representative,
        client=parties.client,
        client_representative=parties.client_representative,
        mission=mission,
        lines=lines,
        letter_date=letter_date,
        version=version,
    )


def load_letter_context(request: RenderInput, blobs: BlobStore) -> tuple[bytes, dict[str, object]]:
    """The template's bytes and the values to merge, read in one session."""
    with session_scope(write=False) as session:
        mission = session.get(Mission, request.mission_id)
        if mission is None:
            raise not_found(f"mission {request.mission_id}")
        parties = letter_parties(
            session, mission, request.firm_representative_id, request.client_representative_id
        )
        lines = mission_lines(session, mission.id)
        template = template_bytes(session, blobs, parties.firm.id, request.template_id)
        if template is None:
            raise not_found(f"letter template {request.template_id}")
        context = parties_context(
            parties,
            mission,
            lines,
            letter_date=date.fromisoformat(request.letter_date),
            version=request.version,
        )
    return template, context


def load_conditions(mission_id: str, blobs: BlobStore) -> ConditionsSource:
    """The general conditions the mission's firm appends to its letters now."""
    with session_scope(write=False) as session:
        mission = session.get(Mission, mission_id)
        if mission is None:
            raise not_found(f"mission {mission_id}")
        return conditions_source(session, blobs, mission.firm_id)
