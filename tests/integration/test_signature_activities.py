"""The signature activities against the local provider over HTTP, on SQLite and PostgreSQL.

What a retry does depends on the error an activity raises: a provider's 4xx becomes a
non-retryable ``ProviderRejected`` carrying the provider's message, a 5xx or a time-out a
retryable ``ProviderUnavailable``; and a retried step never creates a second request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.signature import SignatureActivities
from activities.work import create_follow_up_task
from contracts.messages import FollowUpInput, RemindInput, SendForSignatureInput
from domain.db import get_engine
from domain.documents import file_document
from domain.enums import DocumentKind, WorkKind
from domain.ged import blob_store
from domain.models import Representative, SignatureRequest, WorkItem
from domain.settings import get_settings
from esignature.yousign import YousignClient
from tests.integration.database import database  # noqa: F401
from tests.integration.test_mission_activities import Setup, build, drafted_mission
from tests.integration.test_signature_provider import (
    API_KEY,
    ProviderProcess,
    make_pdf,
    provider,  # noqa: F401
    receiver,  # noqa: F401
)

pytestmark = pytest.mark.usefixtures("database")

CLIENT_EMAIL = "jean.dupont@boulangerie.example"
LETTER_PAGES = 3


@dataclass(frozen=True)
class Letter:
    setup: Setup
    request: SendForSignatureInput


@pytest.fixture
def configured(
    request: pytest.FixtureRequest,
    provider: ProviderProcess,  # noqa: F811
) -> Iterator[ProviderProcess]:
    """Settings pointing at the local provider, with short calls so a time-out is quick."""
    request.getfixturevalue("database")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCEAU_YOUSIGN_BASE_URL", provider.base_url)
        patch.setenv("SCEAU_YOUSIGN_API_KEY", API_KEY)
        patch.setenv("SCEAU_YOUSIGN_TIMEOUT_SECONDS", "1")
        patch.setenv("SCEAU_YOUSIGN_AUTHENTICATION_MODE", "otp_email")
        get_settings.cache_clear()
        yield provider
    get_settings.cache_clear()


@pytest.fixture
async def signatures(configured: ProviderProcess) -> AsyncIterator[SignatureActivities]:
    """The signature activities as the worker builds them, on the provider's client."""
    settings = get_settings()
    async with YousignClient(
        settings.resolved_yousign_base_url,
        settings.secret("yousign_api_key"),
        timeout=settings.yousign_timeout_seconds,
    ) as client:
        yield SignatureActivities(client, blob_store(), settings)


def letter_to_sign(phone: str = "+33612345678") -> Letter:
    """A drafted mission whose 3-page letter (version 1) is filed, and the input to send it."""
    with Session(get_engine()) as session:
        setup = build(session)
    drafted_mission(setup)
    with Session(get_engine()) as session:
        representative = session.get(Representative, setup.representative_id)
        assert representative is not None
        representative.email, representative.phone = CLIENT_EMAIL, phone
        session.add(representative)
        document = file_document(
            session,
            blob_store(),
            key=f"letter:{setup.mission_id}:v1",
            firm_id=setup.firm_id,
            client_id=setup.client_id,
            folder_id=setup.folder_id,
            mission_id=setup.mission_id,
            kind=DocumentKind.letter,
            name="Lettre de mission - v1.pdf",
            version=1,
            data=make_pdf(LETTER_PAGES),
        )
        session.commit()
        document_id = document.id
    expires_at = datetime.now(UTC) + timedelta(days=30)
    return Letter(
        setup,
        SendForSignatureInput(
            mission_id=setup.mission_id,
            version=1,
            document_id=document_id,
            provider="yousign",
            firm_representative_id=setup.staff_id,
            client_representative_id=setup.representative_id,
            expires_at=expires_at.isoformat(),
            reminder_interval_days=7,
            reminder_max=3,
        ),
    )


async def requests_for(provider: ProviderProcess, mission_id: str) -> list[dict[str, Any]]:  # noqa: F811
    async with YousignClient(provider.base_url, API_KEY) as client:
        return await client.with_external_id(f"mission-{mission_id}-v1")


async def inject(provider: ProviderProcess, **fault: float) -> None:  # noqa: F811
    async with httpx.AsyncClient(base_url=provider.root_url) as admin:
        answer = await admin.post("/_admin/faults", json=fault)
        assert answer.status_code == 200


async def test_sending_creates_one_complete_request_even_when_retried(
    configured: ProviderProcess, signatures: SignatureActivities
) -> None:
    letter = letter_to_sign()
    env = ActivityEnvironment()
    started = await env.run(signatures.send_for_signature, letter.request)
    again = await env.run(signatures.send_for_signature, letter.request)
    assert again.provider_request_id == started.provider_request_id

    (request,) = await requests_for(configured, letter.setup.mission_id)
    assert request["status"] == "ongoing"
    assert request["expiration_date"].startswith(letter.request.expires_at[:10])
    # Sceau reminds from its own timers by default: no reminder schedule at the provider.
    assert request["reminder_settings"] is None
    async with YousignClient(configured.base_url, API_KEY) as client:
        signers = await client.signers(started.provider_request_id)
        documents = await client.documents(started.provider_request_id)
    assert len(documents) == 1
    assert [s["info"]["email"] for s in signers] == [CLIENT_EMAIL, "claire@martin.example"]
    # Each signer's own link, for the workflow to e-mail; the retry answers the same ones.
    assert (
        started.signing_links
        == {s["info"]["email"]: s["signature_link"] for s in signers}
        == again.signing_links
    )
    assert all(
        f"/signer/{started.provider_request_id}?" in link for link in again.signing_links.values()
    )
    assert signers[0]["info"]["phone_number"] == "+33612345678"
    assert {s["signature_authentication_mode"] for s in signers} == {"otp_email"}
    assert {s["signature_level"] for s in signers} == {"electronic_signature"}
    # This letter does not print the signers' names (tests/integration/
    # test_signature_places.py covers one that does): each signs on its last page, side by
    # side, the client on the right as in the default letter.
    fields = [s["fields"][0] for s in signers]
    assert [(f["type"], f["page"], f["document_id"]) for f in fields] == [
        ("signature", LETTER_PAGES, documents[0]["id"])
    ] * 2
    assert fields[0]["x"] > fields[1]["x"]
    with Session(get_engine()) as session:
        rows = session.exec(select(SignatureRequest)).all()
        assert [(r.provider_request_id, r.status) for r in rows] == [
            (started.provider_request_id, "ongoing")
        ]


async def test_a_first_attempt_adds_each_piece_without_looking_for_it_first(
    configured: ProviderProcess, signatures: SignatureActivities
) -> None:
    """A new request has no document and no signer to find: the one look is for the
    external id; the signing links come with the activation."""
    letter = letter_to_sign()
    calls: list[str] = []

    async def called(request: httpx.Request) -> None:
        calls.append(f"{request.method} {request.url.path.rsplit('/', 1)[-1]}")

    signatures.yousign._http.event_hooks["request"].append(called)
    started = await ActivityEnvironment().run(signatures.send_for_signature, letter.request)
    assert calls == [
        "GET signature_requests",
        "POST signature_requests",
        "POST documents",
        "POST signers",
        "POST signers",
        "POST activate",
    ]
    assert set(started.signing_links) == {CLIENT_EMAIL, "claire@martin.example"}


async def test_a_retry_after_a_partial_attempt_finishes_the_same_request(
    configured: ProviderProcess, signatures: SignatureActivities
) -> None:
    letter = letter_to_sign()
    # The first attempt died after creating the request and uploading the letter.
    async with YousignClient(configured.base_url, API_KEY) as client:
        created = await client.create_request(
            "Lettre", external_id=f"mission-{letter.setup.mission_id}-v1"
        )
        await client.upload_document(created["id"], "Lettre de mission - v1.pdf", make_pdf(3))
    started = await ActivityEnvironment().run(signatures.send_for_signature, letter.request)
    assert started.provider_request_id == created["id"]
    (request,) = await requests_for(configured, letter.setup.mission_id)
    assert request["status"] == "ongoing"
    assert len(request["documents"]) == 1
    assert len(request["signers"]) == 2


async def test_a_5xx_is_retryable_and_the_retry_creates_one_request(
    configured: ProviderProcess, signatures: SignatureActivities
) -> None:
    letter = letter_to_sign()
    await inject(configured, status=503, count=1)
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(signatures.send_for_signature, letter.request)
    assert (failed.value.type, failed.value.non_retryable) == ("ProviderUnavailable", False)
    assert "503" in failed.value.message
    await ActivityEnvironment().run(signatures.send_for_signature, letter.request)
    assert len(await requests_for(configured, letter.setup.mission_id)) == 1


async def test_a_time_out_is_retryable(
    configured: ProviderProcess, signatures: SignatureActivities
) -> None:
    letter = letter_to_sign()
    await inject(configured, status=0, count=1, delay=3)
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(signatures.send_for_signature, letter.request)
    assert (failed.value.type, failed.value.non_retryable) == ("ProviderUnavailable", False)
    assert "timed out" in failed.value.message
    started = await ActivityEnvironment().run(signatures.send_for_signature, letter.request)
    (request,) = await requests_for(configured, letter.setup.mission_id)
    assert request["id"] == started.provider_request_id


async def test_a_4xx_is_not_retryable_and_carries_the_providers_message(
    configured: ProviderProcess, signatures: SignatureActivities
) -> None:
    letter = letter_to_sign(phone="06 12 34 56 78")
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(signatures.send_for_signature, letter.request)
    assert (failed.value.type, failed.value.non_retryable) == ("ProviderRejected", True)
    assert "E.164" in failed.value.message
    assert "HTTP 400" in failed.value.message
    with Session(get_engine()) as session:
        assert session.exec(select(SignatureRequest)).all() == []


async def test_reminders_go_once_each_to_the_signers_still_to_sign(
    configured: ProviderProcess, signatures: SignatureActivities
) -> None:
    letter = letter_to_sign()
    env = ActivityEnvironment()
    started = await env.run(signatures.send_for_signature, letter.request)
    assert await env.run(signatures.remind_signers, RemindInput(started.signature_id, 1)) == 2
    # The same reminder retried reaches no one twice.
    assert await env.run(signatures.remind_signers, RemindInput(started.signature_id, 1)) == 0
    async with YousignClient(configured.base_url, API_KEY) as client:
        client_signer = (await client.signers(started.provider_request_id))[0]
    async with httpx.AsyncClient(base_url=configured.root_url) as signer_side:
        signed = await signer_side.post(
            f"/signer/{started.provider_request_id}/sign",
            json={"signer_id": client_signer["id"]},
        )
        assert signed.status_code == 200
    assert await env.run(signatures.remind_signers, RemindInput(started.signature_id, 2)) == 1
    with Session(get_engine()) as session:
        record = session.get(SignatureRequest, started.signature_id)
        assert record is not None
        assert [s.get("reminders") for s in record.signers] == [1, 2]


async def test_the_status_poll_reports_signatures_and_a_decline_with_its_reason(
    configured: ProviderProcess, signatures: SignatureActivities
) -> None:
    letter = letter_to_sign()
    env = ActivityEnvironment()
    started = await env.run(signatures.send_for_signature, letter.request)
    assert (
        await env.run(signatures.fetch_signature_status, started.signature_id)
    ).status == "ongoing"
    async with YousignClient(configured.base_url, API_KEY) as client:
        client_signer, firm_signer = await client.signers(started.provider_request_id)
    async with httpx.AsyncClient(base_url=configured.root_url) as signer_side:
        await signer_side.post(
            f"/signer/{started.provider_request_id}/sign", json={"signer_id": client_signer["id"]}
        )
        partial = await env.run(signatures.fetch_signature_status, started.signature_id)
        assert (partial.status, partial.signed_emails) == ("ongoing", [CLIENT_EMAIL])
        await signer_side.post(
            f"/signer/{started.provider_request_id}/decline",
            json={"signer_id": firm_signer["id"], "reason": "Erreur sur les honoraires"},
        )
    declined = await env.run(signatures.fetch_signature_status, started.signature_id)
    assert (declined.status, declined.reason) == ("declined", "Erreur sur les honoraires")


def test_a_declined_letter_gets_one_follow_up_task(configured: ProviderProcess) -> None:
    letter = letter_to_sign()
    follow_up = FollowUpInput(letter.setup.mission_id, "Honoraires trop élevés")
    create_follow_up_task(follow_up)
    create_follow_up_task(follow_up)
    with Session(get_engine()) as session:
        items = session.exec(
            select(WorkItem).where(WorkItem.mission_id == letter.setup.mission_id)
        ).all()
    assert [(i.kind, i.title) for i in items] == [
        (WorkKind.task, "Relancer le client : lettre de mission refusée (Honoraires trop élevés)")
    ]
    assert items[0].due_date == datetime.now(UTC).date() + timedelta(days=7)
