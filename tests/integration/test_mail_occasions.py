"""Who hears of what by e-mail: each occasion of a mission turned into one message per
recipient (names and addresses from the database, SQLite and PostgreSQL), then sent to the
local catcher once however often the occasion is looked at."""

from __future__ import annotations

from datetime import date, timedelta
from email import message_from_bytes
from email.policy import default

import pytest
from sqlmodel import Session, select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.mail import MailActivities
from activities.work import create_work
from contracts.mail import MailInput, MailKind, MailOccasion
from domain.db import get_engine
from domain.enums import DocumentKind, Role, WorkKind
from domain.models import (
    Document,
    Folder,
    PortalUser,
    Representative,
    ServiceRequest,
    SignatureRequest,
    Staff,
    WorkItem,
    utcnow,
)
from domain.settings import Settings
from tests.integration.database import database  # noqa: F401
from tests.integration.test_mail import catcher  # noqa: F401
from tests.integration.test_mission_activities import CLIENT_NAME, Setup, build, drafted_mission

pytestmark = pytest.mark.usefixtures("database")

CLIENT_LINK = "http://127.0.0.1:8100/signer/req-1?signer_id=client-1"
FIRM_LINK = "http://127.0.0.1:8100/signer/req-1?signer_id=firm-1"


@pytest.fixture
def mission() -> Setup:
    """A drafted mission with its letter v1 sent for signature and its year's work created,
    two portal users for the client and an admin for the firm."""
    with Session(get_engine()) as session:
        setup = build(session)
    drafted_mission(setup)
    create_work(setup.mission_id)
    with Session(get_engine()) as session:
        session.add_all(
            [
                PortalUser(
                    firm_id=setup.firm_id,
                    client_id=setup.client_id,
                    email="jean@dupont.example",
                    first_name="Jean",
                    last_name="Dupont",
                ),
                PortalUser(
                    firm_id=setup.firm_id, client_id=setup.client_id, email="compta@dupont.example"
                ),
                Staff(
                    firm_id=setup.firm_id,
                    email="admin@martin.example",
                    first_name="Paul",
                    last_name="Martin",
                    title="Associé",
                    role=Role.admin,
                ),
                SignatureRequest(
                    mission_id=setup.mission_id,
                    letter_version=1,
                    provider="yousign",
                    provider_request_id="req-1",
                    status="ongoing",
                    signers=[
                        {
                            "role": "client",
                            "first_name": "Jean",
                            "last_name": "Dupont",
                            "email": "jean@dupont.example",
                            "status": "pending",
                        },
                        {
                            "role": "firm",
                            "first_name": "Claire",
                            "last_name": "Martin",
                            "email": "claire@martin.example",
                            "status": "pending",
                        },
                    ],
                ),
            ]
        )
        session.commit()
    return setup


async def mails_for(occasion: MailOccasion) -> list[MailInput]:
    found: list[MailInput] = await ActivityEnvironment().run(
        MailActivities(Settings()).mails_for, occasion
    )
    return found


def sign_occasion(setup: Setup) -> MailOccasion:
    return MailOccasion(
        kind=MailKind.letter_to_sign,
        mission_id=setup.mission_id,
        letter_version=1,
        signing_links={"jean@dupont.example": CLIENT_LINK, "claire@martin.example": FIRM_LINK},
        expires_on="2024-02-14",
    )


async def test_each_signer_gets_their_own_link_once(
    mission: Setup, request: pytest.FixtureRequest
) -> None:
    port, directory = request.getfixturevalue("catcher")
    mails = await mails_for(sign_occasion(mission))
    assert [(m.to_email, m.to_name, m.link) for m in mails] == [
        ("jean@dupont.example", "Jean Dupont", CLIENT_LINK),
        ("claire@martin.example", "Claire Martin", FIRM_LINK),
    ]
    assert [m.idempotency_key for m in mails] == [
        f"mail:letter_to_sign:{mission.mission_id}:v1:client",
        f"mail:letter_to_sign:{mission.mission_id}:v1:firm",
    ]
    assert {m.client_name for m in mails} == {CLIENT_NAME}
    assert {m.mission_name for m in mails} == {"Mission comptable 2024"}

    activities = MailActivities(Settings(smtp_port=port))
    for _ in range(2):  # the occasion looked at again: nothing more is sent
        for mail in await mails_for(sign_occasion(mission)):
            await ActivityEnvironment().run(activities.send_mail, mail)
    caught = [
        message_from_bytes(path.read_bytes(), policy=default)
        for path in sorted(directory.glob("*.eml"))
    ]
    assert [m["To"] for m in caught] == [
        "Jean Dupont <jean@dupont.example>",
        "Claire Martin <claire@martin.example>",
    ]
    client_body = caught[0].get_content().replace("\r\n", "\n")
    assert f"ouvrez ce lien :\n{CLIENT_LINK}\n" in client_body
    assert "Il est valable jusqu'au 14/02/2024 inclus." in client_body
    assert CLIENT_NAME in client_body


async def test_staff_hear_of_a_declined_or_expired_letter(mission: Setup) -> None:
    declined = await mails_for(
        MailOccasion(
            kind=MailKind.letter_declined,
            mission_id=mission.mission_id,
            letter_version=1,
            signer_email="jean@dupont.example",
            reason="Trop cher",
        )
    )
    assert [(m.to_email, m.signer_name, m.reason, m.link) for m in declined] == [
        (
            "claire@martin.example",
            "Jean Dupont",
            "Trop cher",
            f"/app/missions/{mission.mission_id}",
        )
    ]
    expired = await mails_for(
        MailOccasion(kind=MailKind.letter_expired, mission_id=mission.mission_id, letter_version=1)
    )
    assert [(m.to_email, m.idempotency_key) for m in expired] == [
        ("claire@martin.example", f"mail:letter_expired:{mission.mission_id}:v1:firm")
    ]


async def test_portal_users_hear_of_shared_documents_and_information_requests(
    mission: Setup,
) -> None:
    with Session(get_engine()) as session:
        document = Document(
            key="test:bilan",
            firm_id=mission.firm_id,
            client_id=mission.client_id,
            folder_id=mission.folder_id,
            kind=DocumentKind.letter,
            name="Bilan 2024.pdf",
            sha256="0" * 64,
            size=1,
            content_type="application/pdf",
        )
        session.add(document)
        session.commit()
        document_id = document.id
    # In a private folder, nobody is told; once the folder is shared, each portal user is.
    private = await mails_for(MailOccasion(kind=MailKind.document_shared, document_id=document_id))
    assert private == []
    with Session(get_engine()) as session:
        folder = session.get(Folder, mission.folder_id)
        assert folder is not None
        folder.shared_with_client = True
        session.add(folder)
        session.commit()
    shared = await mails_for(MailOccasion(kind=MailKind.document_shared, document_id=document_id))
    by_key = await mails_for(MailOccasion(kind=MailKind.document_shared, document_key="test:bilan"))
    assert by_key == shared
    assert [(m.to_email, m.document_name, m.link) for m in shared] == [
        ("compta@dupont.example", "Bilan 2024.pdf", "/client/documents"),
        ("jean@dupont.example", "Bilan 2024.pdf", "/client/documents"),
    ]
    assert len({m.idempotency_key for m in shared}) == 2

    asked = await mails_for(
        MailOccasion(kind=MailKind.information_request, mission_id=mission.mission_id)
    )
    assert [m.to_email for m in asked] == ["compta@dupont.example", "jean@dupont.example"]
    # Bank statements at the end of each month of 2024 (the monthly line), and once a year
    # (the yearly line): the open requests in one message, in the order they fall due.
    assert len(asked[0].items) == 13
    assert asked[0].items[0] == "Relevés bancaires (01/2024) — avant le 31/01/2024"
    assert set(asked[0].items[-2:]) == {
        "Relevés bancaires (12/2024) — avant le 31/12/2024",
        "Relevés bancaires — avant le 31/12/2024",
    }
    again = await mails_for(
        MailOccasion(kind=MailKind.information_request, mission_id=mission.mission_id)
    )
    assert [m.idempotency_key for m in again] == [m.idempotency_key for m in asked]

    # An opening lists only the requests it created: one that finds every slice already open
    # (after an amendment) has none to tell; the next month's opening tells of its own.
    nothing_new = await mails_for(
        MailOccasion(
            kind=MailKind.information_request,
            mission_id=mission.mission_id,
            opened_at=(utcnow() + timedelta(minutes=5)).isoformat(),
        )
    )
    assert nothing_new == []
    opening = utcnow()
    with Session(get_engine()) as session:
        # The year's requests were created a month before the next opening.
        for item in session.exec(select(WorkItem)).all():
            item.created_at = opening - timedelta(days=30)
            session.add(item)
        session.add(
            WorkItem(
                key="test:next-month",
                firm_id=mission.firm_id,
                client_id=mission.client_id,
                mission_id=mission.mission_id,
                kind=WorkKind.information_request,
                title="Relevés bancaires (01/2025)",
                due_date=date(2025, 1, 31),
            )
        )
        session.commit()
    next_month = await mails_for(
        MailOccasion(
            kind=MailKind.information_request,
            mission_id=mission.mission_id,
            opened_at=opening.isoformat(),
        )
    )
    assert [m.items for m in next_month] == [
        ["Relevés bancaires (01/2025) — avant le 31/01/2025"]
    ] * 2


async def test_admins_hear_of_a_client_s_request(mission: Setup) -> None:
    with Session(get_engine()) as session:
        request = ServiceRequest(
            firm_id=mission.firm_id,
            client_id=mission.client_id,
            service_ids=[mission.service_id],
            message="Pour notre nouveau magasin",
            mission_id=mission.mission_id,
        )
        session.add(request)
        session.commit()
        request_id = request.id
    (mail,) = await mails_for(
        MailOccasion(kind=MailKind.service_request, service_request_id=request_id)
    )
    assert (mail.to_email, mail.services, mail.message, mail.link) == (
        "admin@martin.example",
        ["Tenue comptable"],
        "Pour notre nouveau magasin",
        f"/app/service-requests/{request_id}",
    )


async def test_an_unknown_occasion_is_not_retried(mission: Setup) -> None:
    with pytest.raises(ApplicationError) as error:
        await mails_for(
            MailOccasion(kind=MailKind.letter_to_sign, mission_id="msn_none", letter_version=1)
        )
    assert (error.value.type, error.value.non_retryable) == ("NotFound", True)


def filed_notice(setup: Setup) -> str:
    with Session(get_engine()) as session:
        notice = Document(
            key=f"renewal-notice:{setup.mission_id}:0",
            firm_id=setup.firm_id,
            client_id=setup.client_id,
            folder_id=setup.folder_id,
            mission_id=setup.mission_id,
            kind=DocumentKind.renewal_notice,
            name="Avis de reconduction.pdf",
            sha256="1" * 64,
            size=1,
            content_type="application/pdf",
        )
        session.add(notice)
        session.commit()
        return notice.id


async def test_the_renewal_notice_goes_to_the_clients_portal_users_once_each(
    mission: Setup,
) -> None:
    notice = filed_notice(mission)
    mails = await mails_for(MailOccasion(kind=MailKind.renewal_notice, document_id=notice))
    assert [(m.to_email, m.link) for m in mails] == [
        ("compta@dupont.example", "/client/documents"),
        ("jean@dupont.example", "/client/documents"),
    ]
    [portal_user] = [m for m in mails if m.to_email == "jean@dupont.example"]
    with Session(get_engine()) as session:
        user = session.exec(
            select(PortalUser).where(PortalUser.email == "jean@dupont.example")
        ).one()
    assert portal_user.idempotency_key == f"mail:renewal_notice:{notice}:{user.id}"
    # The mission of 2024, three months' notice: renewed for 2025 unless refused by 30/09.
    assert (
        portal_user.period_end,
        portal_user.next_period_start,
        portal_user.next_period_end,
        portal_user.refuse_by,
    ) == ("2024-12-31", "2025-01-01", "2025-12-31", "2024-09-30")


async def test_without_portal_users_the_notice_goes_to_the_representatives(
    mission: Setup,
) -> None:
    with Session(get_engine()) as session:
        for user in session.exec(select(PortalUser)).all():
            session.delete(user)
        session.commit()
    occasion = MailOccasion(kind=MailKind.renewal_notice, document_id=filed_notice(mission))
    # A representative without an e-mail: nobody to tell.
    assert await mails_for(occasion) == []
    with Session(get_engine()) as session:
        representative = session.get(Representative, mission.representative_id)
        assert representative is not None
        representative.email = "jean.perso@dupont.example"
        session.add(representative)
        session.commit()
    mails = await mails_for(occasion)
    assert [(m.to_email, m.to_name, m.idempotency_key) for m in mails] == [
        (
            "jean.perso@dupont.example",
            "Jean Dupont",
            f"mail:renewal_notice:{occasion.document_id}:{mission.representative_id}",
        )
    ]
