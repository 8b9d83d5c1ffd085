"""Client files: identity, representatives, portal users and their document space."""

from __future__ import annotations

from collections import defaultdict

from fastapi import APIRouter
from sqlmodel import Session, col, select

from api.deps import Caller, DbSession, FirmStaff, firm_row
from api.errors import ApiError, not_found
from api.schemas import (
    ClientIn,
    ClientOut,
    ClientPatch,
    Created,
    FolderIn,
    FolderOut,
    PortalUserIn,
    RepresentativeIn,
    RepresentativeOut,
    TokensRevoked,
)
from domain.enums import Role
from domain.folders import create_client_folders
from domain.models import Client, Folder, PortalUser, Representative
from domain.tokens import issue_token, revoke_tokens

router = APIRouter(prefix="/v1/clients", tags=["clients"])


def client_out(session: Session, client: Client) -> ClientOut:
    return clients_out(session, [client])[0]


def clients_out(session: Session, clients: list[Client]) -> list[ClientOut]:
    """The clients as the API shows them, their representatives read in one query."""
    representatives: dict[str, list[Representative]] = defaultdict(list)
    for rep in session.exec(
        select(Representative).where(
            col(Representative.client_id).in_([client.id for client in clients])
        )
    ):
        representatives[rep.client_id].append(rep)
    return [
        ClientOut(
            **client.model_dump(exclude={"firm_id", "created_at"}),
            representatives=[
                RepresentativeOut(**rep.model_dump(exclude={"client_id"}))
                for rep in representatives[client.id]
            ],
        )
        for client in clients
    ]


def add_representatives(session: Session, client_id: str, reps: list[RepresentativeIn]) -> None:
    session.add_all(Representative(client_id=client_id, **rep.model_dump()) for rep in reps)


@router.get("", response_model=list[ClientOut])
def list_clients(session: DbSession, staff: FirmStaff) -> list[ClientOut]:
    clients = session.exec(
        select(Client).where(Client.firm_id == staff.firm).order_by(col(Client.name))
    )
    return clients_out(session, list(clients))


@router.post("", status_code=201, response_model=ClientOut)
def create_client(body: ClientIn, session: DbSession, staff: FirmStaff) -> ClientOut:
    client = Client(firm_id=staff.firm, **body.model_dump(exclude={"representatives"}))
    session.add(client)
    session.flush()
    add_representatives(session, client.id, body.representatives)
    create_client_folders(session, staff.firm, client.id)
    session.flush()
    return client_out(session, client)


@router.get("/{client_id}", response_model=ClientOut)
def get_client(client_id: str, session: DbSession, staff: FirmStaff) -> ClientOut:
    return client_out(session, firm_row(session, Client, staff.firm, client_id, "client"))


@router.patch("/{client_id}", response_model=ClientOut)
def patch_client(
    client_id: str, body: ClientPatch, session: DbSession, staff: FirmStaff
) -> ClientOut:
    client = firm_row(session, Client, staff.firm, client_id, "client")
    for field, value in body.model_dump(exclude_unset=True, exclude={"representatives"}).items():
        if value is None:
            raise ApiError(422, "invalid_request", f"{field} cannot be null")
        setattr(client, field, value)
    if body.representatives is not None:
        # Ids stay stable, since missions name representatives: a known e-mail updates its
        # representative in place, a new one adds one.
        known = {
            rep.email.lower(): rep
            for rep in session.exec(
                select(Representative).where(Representative.client_id == client.id)
            )
        }
        for rep in body.representatives:
            existing = known.get(rep.email.lower())
            if existing is None:
                session.add(Representative(client_id=client.id, **rep.model_dump()))
            else:
                existing.sqlmodel_update(rep.model_dump())
    session.flush()
    return client_out(session, client)


@router.post("/{client_id}/portal-users", status_code=201, response_model=Created)
def create_portal_user(
    client_id: str, body: PortalUserIn, session: DbSession, staff: FirmStaff
) -> Created:
    client = firm_row(session, Client, staff.firm, client_id, "client")
    taken = session.exec(
        select(PortalUser).where(PortalUser.client_id == client.id, PortalUser.email == body.email)
    ).first()
    if taken is not None:
        raise ApiError(409, "conflict", f"{body.email} already has portal access")
    user = PortalUser(firm_id=staff.firm, client_id=client.id, **body.model_dump())
    session.add(user)
    session.flush()
    token = issue_token(
        session, Role.client, firm_id=staff.firm, client_id=client.id, portal_user_id=user.id
    )
    return Created(id=user.id, token=token.value, token_expires_at=token.expires_at)


def portal_user_row(session: Session, staff: Caller, client_id: str, user_id: str) -> PortalUser:
    client = firm_row(session, Client, staff.firm, client_id, "client")
    user = session.get(PortalUser, user_id)
    if user is None or user.client_id != client.id:
        raise not_found(f"portal user {user_id}")
    return user


@router.post(
    "/{client_id}/portal-users/{portal_user_id}/tokens", status_code=201, response_model=Created
)
def issue_portal_token(
    client_id: str, portal_user_id: str, session: DbSession, staff: FirmStaff
) -> Created:
    """A new token for a portal user, shown once (after a revocation, say)."""
    user = portal_user_row(session, staff, client_id, portal_user_id)
    token = issue_token(
        session, Role.client, firm_id=staff.firm, client_id=user.client_id, portal_user_id=user.id
    )
    return Created(id=user.id, token=token.value, token_expires_at=token.expires_at)


@router.delete("/{client_id}/portal-users/{portal_user_id}/tokens", response_model=TokensRevoked)
def revoke_portal_tokens(
    client_id: str, portal_user_id: str, session: DbSession, staff: FirmStaff
) -> TokensRevoked:
    """Every token of the portal user answers 401 from now on."""
    user = portal_user_row(session, staff, client_id, portal_user_id)
    return TokensRevoked(revoked=revoke_tokens(session, portal_user_id=user.id))


@router.get("/{client_id}/folders", response_model=list[FolderOut])
def list_folders(client_id: str, session: DbSession, staff: FirmStaff) -> list[FolderOut]:
    client = firm_row(session, Client, staff.firm, client_id, "client")
    folders = session.exec(select(Folder).where(Folder.client_id == client.id))
    return [FolderOut(**folder.model_dump()) for folder in folders]


@router.post("/{client_id}/folders", status_code=201, response_model=FolderOut)
def create_folder(
    client_id: str, body: FolderIn, session: DbSession, staff: FirmStaff
) -> FolderOut:
    client = firm_row(session, Client, staff.firm, client_id, "client")
    if body.parent_id is not None:
        parent = session.get(Folder, body.parent_id)
        if parent is None or parent.client_id != client.id:
            raise not_found(f"folder {body.parent_id}")
    folder = Folder(firm_id=staff.firm, client_id=client.id, **body.model_dump())
    session.add(folder)
    session.flush()
    return FolderOut(**folder.model_dump())
