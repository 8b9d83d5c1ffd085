"""The last letter preview of each mission, kept so that an unchanged mission's next preview is
served without rendering it again.

The key is a digest of everything that goes into the PDF: the template's bytes, the values
merged into it (the mission's lines and totals, the firm, the client, both representatives,
the letter's date and version) and the general conditions' bytes. Any change gives another
digest, hence a new render; the row is looked up by the mission *and* its firm. The render
itself checks the digest of what it read (``RenderInput.inputs_digest``), so a PDF is kept
only under the digest of the inputs it was made from.
"""

from __future__ import annotations

import json
from hashlib import sha256

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from contracts.messages import RenderInput
from domain.ged import BlobStore
from domain.letter_inputs import load_conditions, load_letter_context
from domain.models import LetterPreview, utcnow

# Raise when the rendering changes what the same inputs give (docxtpl, the conversion, the
# conditions' layout): every kept preview is then made again once.
RENDERING_EDITION = "1"


def inputs_digest(
    mission_id: str, template: bytes, context: dict[str, object], conditions_sha256: str
) -> str:
    """The digest of one letter's inputs."""
    inputs = {
        "edition": RENDERING_EDITION,
        "mission": mission_id,
        "template": sha256(template).hexdigest(),
        # The context holds the printed values (strings, lists, dicts): sorted keys give one
        # spelling for the same values; ``str`` catches anything else (a Decimal, a date).
        "context": context,
        "conditions": conditions_sha256,
    }
    spelled = json.dumps(inputs, sort_keys=True, ensure_ascii=False, default=str)
    return sha256(spelled.encode()).hexdigest()


def letter_inputs_digest(request: RenderInput, blobs: BlobStore) -> str:
    """The digest of the inputs ``request`` would render now (reads the database)."""
    template, context = load_letter_context(request, blobs)
    conditions = load_conditions(request.mission_id, blobs)
    return inputs_digest(request.mission_id, template, context, conditions.sha256)


def kept_preview(session: Session, firm_id: str, mission_id: str, digest: str) -> str | None:
    """The blob of the mission's last preview if it was made from these very inputs."""
    return session.exec(
        select(LetterPreview.pdf_sha256).where(
            LetterPreview.mission_id == mission_id,
            LetterPreview.firm_id == firm_id,
            LetterPreview.inputs_digest == digest,
        )
    ).first()


def keep_preview(
    session: Session, firm_id: str, mission_id: str, digest: str, pdf_sha256: str
) -> None:
    """Make this PDF the mission's last preview, in place of the one before."""
    row = session.get(LetterPreview, mission_id)
    if row is None:
        row = LetterPreview(
            mission_id=mission_id, firm_id=firm_id, inputs_digest=digest, pdf_sha256=pdf_sha256
        )
    else:
        row.inputs_digest, row.pdf_sha256, row.made_at = digest, pdf_sha256, utcnow()
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        # Another preview of the mission was kept at the same moment: it is as good as this
        # one for its own digest, and the next preview whose digest differs replaces it.
        session.rollback()
