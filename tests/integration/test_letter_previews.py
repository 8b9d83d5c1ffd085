"""The letter preview is kept: an unchanged mission's next preview is served without a render,
a changed one is rendered again, another firm never gets it, and two clicks at once render once.

Against SQLite and PostgreSQL, through the preview service and LetterPreviewWorkflow on the
time-skipping server, with the real render activity (docxtpl, the general conditions appended)
and a stand-in conversion that hands the rendered .docx back as the "PDF" (LibreOffice is
tried elsewhere; what matters here is which values went in and how often a render ran).
"""

from __future__ import annotations

import asyncio
import re
import uuid
import zipfile
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from sqlmodel import Session
from temporalio import activity
from temporalio.client import Client as TemporalClient
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.letters import DocumentActivities, scratch_path
from api.deps import Caller
from api.errors import ApiError
from api.schemas import PreviewIn
from api.services.missions import preview_letter
from contracts.errors import ErrorType
from contracts.messages import (
    DOCUMENTS_QUEUE,
    MISSIONS_QUEUE,
    Activities,
    ConvertInput,
    RenderInput,
)
from domain.db import get_engine
from domain.enums import Frequency, MissionStatus, Role
from domain.ged import blob_store
from domain.letter_previews import letter_inputs_digest
from domain.models import (
    Client,
    Firm,
    Mission,
    MissionLine,
    Representative,
    Service,
    Staff,
    new_id,
)
from domain.settings import get_settings
from tests.integration.database import database  # noqa: F401
from tests.integration.rows import add_firm
from tests.workflow.conftest import env as time_skipping_env  # noqa: F401
from workflows.preview import LetterPreviewWorkflow

pytestmark = pytest.mark.usefixtures("database")


@dataclass(frozen=True)
class Setup:
    staff: Caller
    mission_id: str
    line_id: str
    body: PreviewIn


def build(session: Session, firm: Firm, price: str = "1234.50") -> Setup:
    staff = Staff(
        firm_id=firm.id,
        email=f"{new_id('e')}@martin.example",
        first_name="Claire",
        last_name="Martin",
        legal_representative=True,
    )
    client = Client(firm_id=firm.id, name="Boulangerie Dupont", fiscal_year_end="12-31")
    service = Service(
        firm_id=firm.id,
        code="TENUE",
        name="Tenue comptable",
        price=Decimal(price),
        frequency=Frequency.monthly,
    )
    session.add_all([staff, client, service])
    session.flush()
    representative = Representative(client_id=client.id, first_name="Jean", last_name="Dupont")
    mission = Mission(
        id=new_id("mis"),
        firm_id=firm.id,
        client_id=client.id,
        name="Tenue 2027",
        period_start=date(2027, 1, 1),
        period_end=date(2027, 12, 31),
        frequency=Frequency.monthly,
        status=MissionStatus.draft,
    )
    session.add_all([representative, mission])
    session.flush()
    line = MissionLine(
        id=new_id("line"),
        mission_id=mission.id,
        position=0,
        service_id=service.id,
        code="TENUE",
        name="Tenue comptable",
        price=Decimal(price),
        frequency=Frequency.monthly,
    )
    session.add(line)
    session.flush()
    caller = Caller(new_id("tok"), Role.staff, firm.id, staff.id, None, None)
    body = PreviewIn(
        template_id="default",
        firm_representative_id=staff.id,
        client_representative_id=representative.id,
    )
    return Setup(caller, mission.id, line.id, body)


def set_price(line_id: str, price: str) -> None:
    with Session(get_engine()) as session:
        line = session.get(MissionLine, line_id)
        assert line is not None
        line.price = Decimal(price)
        session.add(line)
        session.commit()


def letter_text(docx: bytes) -> str:
    with zipfile.ZipFile(BytesIO(docx)) as archive:
        xml = archive.read("word/document.xml").decode()
    return re.sub(r"<[^>]+>", "", xml)


@dataclass
class Renders:
    """The render activity's calls, counted, and the client of the server they run on."""

    temporal: TemporalClient
    count: int = 0


@pytest.fixture
async def renders(
    time_skipping_env: WorkflowEnvironment,  # noqa: F811 (the fixture imported above)
) -> AsyncIterator[Renders]:
    renders = Renders(time_skipping_env.client)
    real = DocumentActivities(pool=None, blobs=blob_store(), settings=get_settings())  # type: ignore[arg-type]

    @activity.defn(name=Activities.render_letter)
    def render_letter(request: RenderInput) -> str:
        renders.count += 1
        return real.render_letter(request)

    @activity.defn(name=Activities.convert_to_pdf)
    def convert_to_pdf(request: ConvertInput) -> str:
        source = scratch_path(request.docx_name)
        pdf = source.with_suffix(".pdf")
        pdf.write_bytes(source.read_bytes())
        return str(pdf.relative_to(get_settings().scratch_dir.resolve()))

    with ThreadPoolExecutor(4) as threads:
        async with (
            Worker(
                time_skipping_env.client,
                task_queue=MISSIONS_QUEUE,
                workflows=[LetterPreviewWorkflow],
            ),
            Worker(
                time_skipping_env.client,
                task_queue=DOCUMENTS_QUEUE,
                activities=[render_letter, convert_to_pdf],
                activity_executor=threads,
            ),
        ):
            yield renders


def firm_setup(price: str = "1234.50") -> Setup:
    with Session(get_engine()) as session:
        firm = add_firm(session, name=f"Cabinet {uuid.uuid4().hex[:6]}")
        setup = build(session, firm, price)
        session.commit()
    return setup


async def test_an_unchanged_mission_is_served_its_kept_preview_and_a_changed_one_renders(
    renders: Renders,
) -> None:
    setup = firm_setup()
    first = await preview_letter(renders.temporal, setup.staff, setup.mission_id, setup.body)
    assert "1 234,50" in letter_text(first)
    assert renders.count == 1

    again = await preview_letter(renders.temporal, setup.staff, setup.mission_id, setup.body)
    assert again == first
    assert renders.count == 1, "an unchanged mission's preview is rendered again"

    set_price(setup.line_id, "1500.00")
    changed = await preview_letter(renders.temporal, setup.staff, setup.mission_id, setup.body)
    assert renders.count == 2
    text = letter_text(changed)
    assert "1 500,00" in text
    assert "1 234,50" not in text

    # Back to the first price: the kept preview is the last one (1 500,00), not this one.
    set_price(setup.line_id, "1234.50")
    back = await preview_letter(renders.temporal, setup.staff, setup.mission_id, setup.body)
    assert renders.count == 3
    assert "1 234,50" in letter_text(back)


async def test_another_firm_never_gets_the_kept_preview(
    renders: Renders,
) -> None:
    setup, other = firm_setup(), firm_setup()
    await preview_letter(renders.temporal, setup.staff, setup.mission_id, setup.body)
    with pytest.raises(ApiError) as refused:
        await preview_letter(renders.temporal, other.staff, setup.mission_id, setup.body)
    assert refused.value.status == 404
    assert renders.count == 1


async def test_two_clicks_at_once_render_once(renders: Renders) -> None:
    setup = firm_setup()
    both = await asyncio.gather(
        preview_letter(renders.temporal, setup.staff, setup.mission_id, setup.body),
        preview_letter(renders.temporal, setup.staff, setup.mission_id, setup.body),
    )
    assert both[0] == both[1]
    assert "1 234,50" in letter_text(both[0])
    assert renders.count == 1


def test_the_render_refuses_inputs_that_changed_since_their_digest() -> None:
    setup = firm_setup()
    request = RenderInput(
        mission_id=setup.mission_id,
        version=1,
        template_id="default",
        firm_representative_id=setup.body.firm_representative_id,
        client_representative_id=setup.body.client_representative_id,
        scratch_name=f"previews/{uuid.uuid4().hex}.docx",
        letter_date="2027-01-04",
    )
    blobs = blob_store()
    request.inputs_digest = letter_inputs_digest(request, blobs)
    set_price(setup.line_id, "99.00")
    real = DocumentActivities(pool=None, blobs=blobs, settings=get_settings())  # type: ignore[arg-type]
    with pytest.raises(ApplicationError) as refused:
        real.render_letter(request)
    assert refused.value.type == ErrorType.conflict
