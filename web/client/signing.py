"""The client's letters awaiting signature, with each one's signing link from the provider."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from anyio import to_thread
from sqlmodel import Session, col, select

from api.missions_view import missions_out
from api.services.portal import shared_folder_ids
from domain.enums import MissionStatus
from domain.models import Document, Mission, Representative
from domain.settings import get_settings
from esignature.yousign import YousignClient

log = logging.getLogger("sceau.web")

# The page waits this long for the provider before showing the letter without its link.
PROVIDER_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class LetterToSign:
    mission_id: str
    mission_name: str
    version: int
    # The letter, when it lies in a shared folder (else the signing page shows it).
    document: Document | None
    provider_request_id: str
    # Who signs for the client, as the letter names them.
    signer_emails: tuple[str, ...]
    sent_at: datetime | None


def letters_to_sign(session: Session, client_id: str) -> list[LetterToSign]:
    missions = list(
        session.exec(
            select(Mission).where(
                Mission.client_id == client_id,
                Mission.status == MissionStatus.awaiting_signature,
            )
        )
    )
    shared = set(shared_folder_ids(session, client_id))
    representatives = session.exec(
        select(Representative.email).where(Representative.client_id == client_id)
    ).all()
    views = [
        mission
        for mission in missions_out(session, missions)
        if mission.signature is not None and mission.letters
    ]
    latest = {mission.id: max(mission.letters, key=lambda item: item.version) for mission in views}
    # The letters' documents in one query, not one per letter.
    documents = {
        document.id: document
        for document in session.exec(
            select(Document).where(
                col(Document.id).in_([letter.document_id for letter in latest.values()])
            )
        )
    }
    letters = []
    for mission in views:
        assert mission.signature is not None
        letter = latest[mission.id]
        document = documents.get(letter.document_id)
        emails = tuple(
            str(signer.get("email", "")).lower()
            for signer in mission.signature.signers
            if signer.get("role") == "client"
        ) or tuple(email.lower() for email in representatives if email)
        sent_at = next(
            (entry.at for entry in mission.timeline if entry.status == "awaiting_signature"),
            None,
        )
        letters.append(
            LetterToSign(
                mission.id,
                mission.name,
                letter.version,
                document if document is not None and document.folder_id in shared else None,
                mission.signature.provider_request_id,
                emails,
                sent_at,
            )
        )
    return letters


async def signature_provider(state: Any) -> YousignClient:
    """The pages' one client for the provider, kept on the app's state and closed when the app
    stops: its connections and SSL context are built once, in a thread (building them held
    the event loop ~100 ms), not for each letter on the loop."""
    provider: YousignClient | None = getattr(state, "yousign", None)
    if provider is None or provider.closed:
        settings = get_settings()
        built = await to_thread.run_sync(
            partial(
                YousignClient,
                settings.resolved_yousign_base_url,
                settings.secret("yousign_api_key"),
                timeout=PROVIDER_TIMEOUT_SECONDS,
            )
        )
        provider = getattr(state, "yousign", None)
        if provider is None or provider.closed:  # else another request built one meanwhile
            provider = state.yousign = built
        else:
            await built.aclose()
    return provider


async def signing_link(provider: YousignClient, letter: LetterToSign) -> str | None:
    """The client signer's link at the provider while it is their turn, else None."""
    try:
        signers = await provider.signers(letter.provider_request_id)
    except Exception as error:  # the page shows the letter anyway, with the e-mail's hint
        log.warning("no signing link for %s: %s", letter.provider_request_id, error)
        return None
    for signer in signers:
        email = str((signer.get("info") or {}).get("email", "")).lower()
        link = signer.get("signature_link")
        if link and email in letter.signer_emails:
            return str(link)
    return None
