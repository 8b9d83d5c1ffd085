"""A new client's document space, laid out from the firm's folder model."""

from __future__ import annotations

import json

from sqlmodel import Session

from domain.letter_templates import TEMPLATES_DIR
from domain.models import Folder

FOLDER_MODEL = TEMPLATES_DIR / "folder_model.json"


def create_client_folders(session: Session, firm_id: str, client_id: str) -> list[Folder]:
    folders = [
        Folder(
            firm_id=firm_id,
            client_id=client_id,
            name=entry["name"],
            shared_with_client=bool(entry["shared_with_client"]),
        )
        for entry in json.loads(FOLDER_MODEL.read_text())
    ]
    session.add_all(folders)
    return folders
