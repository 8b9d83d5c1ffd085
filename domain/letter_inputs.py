"""What a letter is made of, read from the database and the blob store: the template's bytes,
the values merged into it, and the general conditions appended after it. The render activity
reads them to make the letter; the preview reads them to know whether its last PDF still holds
(domain/letter_previews.py)."""

from __future__ import annotations

from datetime import date

from contracts.errors import not_found
from contracts.messages import RenderInput
from domain.db import session_scope
from domain.ged import BlobStore
from domain.general_conditions import ConditionsSource, conditions_source
from domain.letter import letter_context
from domain.letter_templates import template_bytes
from domain.models import Client, Firm, Mission, Representative, Staff
from domain.queries import mission_lines


def load_letter_context(request: RenderInput, blobs: BlobStore) -> tuple[bytes, dict[str, object]]:
    """The template's bytes and the values to merge, read in one session."""
    with session_scope(write=False) as session:
        mission = session.get(Mission, request.mission_id)
        if mission is None:
            raise not_found(f"mission {request.mission_id}")
        firm = session.get(Firm, mission.firm_id)
        client = session.get(Client, mission.client_id)
        firm_rep = session.get(Staff, request.firm_representative_id)
        client_rep = session.get(Representative, request.client_representative_id)
        if firm is None or client is None:
            raise not_found("the mission's firm or client")
        if firm_rep is None or firm_rep.firm_id != firm.id:
            raise not_found(f"firm representative {request.firm_representative_id}")
        if client_rep is None or client_rep.client_id != client.id:
            raise not_found(f"client representative {request.client_representative_id}")
        lines = mission_lines(session, mission.id)
        template = template_bytes(session, blobs, firm.id, request.template_id)
        if template is None:
            raise not_found(f"letter template {request.template_id}")
        context = letter_context(
            firm=firm,
            firm_representative=firm_rep,
            client=client,
            client_representative=client_rep,
            mission=mission,
            lines=lines,
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
