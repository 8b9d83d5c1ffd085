"""A new client's document space, laid out from the firm's folder model."""

from __future__ import annotations

import json

from sqlmodel import Session, col, select

from domain.letter_templates import TEMPLATES_DIR
from domain.models import Folder

FOLDER_MODEL = TEMPLATES_DIR / "folder_model.json"
# Where the files a client sends in answer to an information request are filed.
CLIENT_FILES_FOLDER = "Documents du client"


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


def client_files_folder(session: Session, client_id: str) -> Folder | None:
    """The shared folder that receives the client's files (the first shared one otherwise)."""
    shared = list(
        session.exec(
            select(Folder)
            .where(Folder.client_id == client_id, col(Folder.shared_with_client).is_(True))
            .order_by(col(Folder.name))
        )
    )
    named = [folder for folder in shared if folder.name == CLIENT_FILES_FOLDER]
    candidates = named or shared
    return candidates[0] if candidates else None
