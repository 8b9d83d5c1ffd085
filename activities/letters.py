"""Activities that make a letter: render the .docx (the general conditions appended), convert
it to PDF, file it in the GED."""

from __future__ import annotations

from pathlib import Path

from temporalio import activity

from activities.heartbeats import heartbeating
from contracts.errors import ErrorType, failure, invalid, not_found
from contracts.ids import letter_key
from contracts.messages import Activities, ConvertInput, FileLetterInput, RenderInput
from documents.conditions import UnprintablePdf, letter_with_conditions
from documents.converter_pool import ConverterPool, InvalidDocumentError
from documents.pdf import ConversionError
from documents.rendering import TemplateError, render_docx
from domain.db import session_scope
from domain.documents import file_document
from domain.enums import DocumentKind
from domain.ged import BlobStore
from domain.letter_inputs import load_conditions, load_letter_context
from domain.letter_previews import inputs_digest
from domain.models import Folder, Mission
from domain.settings import Settings, get_settings


def scratch_path(name: str) -> Path:
    root = get_settings().scratch_dir.resolve()
    path = (root / name).resolve()
    if root not in path.parents:
        raise invalid(f"scratch name {name!r} leaves the scratch directory")
    return path


def write_scratch(name: str, data: bytes) -> None:
    """Put a rendered .docx in the scratch directory, for the conversion to find."""
    target = scratch_path(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def drop_working_files(pdf_path: Path) -> None:
    """Once filed and committed, the PDF and its .docx have served (a retry finds the
    document first)."""
    for leftover in (pdf_path, pdf_path.with_suffix(".docx")):
        leftover.unlink(missing_ok=True)


def new_converter_pool(settings: Settings) -> ConverterPool:
    """A pool sized and tuned by the settings, not yet started."""
    return ConverterPool(
        settings.pdf_pool_size,
        soffice=settings.soffice_path,
        python=settings.pdf_pool_python,
        max_conversions=settings.pdf_pool_max_conversions,
        max_waiting=settings.pdf_pool_max_waiting,
        # LibreOffice must not see the data directory (secrets/, every firm's GED files).
        hide=(settings.data_dir,),
    )


def render_with_conditions(
    template: bytes,
    context: dict[str, object],
    mission_id: str,
    blobs: BlobStore,
    settings: Settings,
    expected_digest: str = "",
) -> bytes:
    """The rendered letter with the general conditions of the mission's firm appended, as
    one .docx; its failures as the activity errors the workflow retries, or not. A template
    that fails fails before the conditions are read. With `expected_digest` (a preview that
    will be kept), inputs that no longer match it are refused rather than rendered."""
    try:
        letter = render_docx(template, context)
        conditions = load_conditions(mission_id, blobs)
        if expected_digest and expected_digest != inputs_digest(
            mission_id, template, context, conditions.sha256
        ):
            raise failure("the mission changed during its preview", ErrorType.conflict)
        return letter_with_conditions(letter, conditions, context, hide=(settings.data_dir,))
    except TemplateError as error:
        raise failure(str(error), ErrorType.template_error) from error
    except UnprintablePdf as error:
        raise failure(str(error), ErrorType.invalid_document) from error
    except ConversionError as error:
        # pdftoppm failing on the firm's PDF may be passing (a kill, a timeout).
        raise failure(str(error), ErrorType.conversion_failed, retryable=True) from error


class DocumentActivities:
    """The documents queue's activities: render a letter, convert it to PDF/A.

    Built by the worker with its pool of warm LibreOffice processes, which it closes.
    """

    def __init__(self, pool: ConverterPool, blobs: BlobStore, settings: Settings) -> None:
        self.pool = pool
        self.blobs = blobs
        self.settings = settings

    @activity.defn(name=Activities.render_letter)
    def render_letter(self, request: RenderInput) -> str:
        """The letter with the firm's general conditions after it, as one .docx: its one
        conversion gives one PDF/A, numbered through (documents/conditions.py)."""
        with heartbeating():
            template, context = load_letter_context(request, self.blobs)
            docx = render_with_conditions(
                template,
                context,
                request.mission_id,
                self.blobs,
                self.settings,
                expected_digest=request.inputs_digest,
            )
        write_scratch(request.scratch_name, docx)
        return request.scratch_name

    @activity.defn(name=Activities.convert_to_pdf)
    def convert_to_pdf(self, request: ConvertInput) -> str:
        source = scratch_path(request.docx_name)
        try:
            # The wait for a free LibreOffice and for its reply is where a killed worker would
            # hold the letter longest: see activities/heartbeats.py.
            with heartbeating():
                pdf = self.pool.convert(
                    source, source.parent, timeout=self.settings.conversion_timeout_seconds
                )
        except InvalidDocumentError as error:
            raise failure(str(error), ErrorType.invalid_document) from error
        except ConversionError as error:
            # LibreOffice failures are often passing (a crash, a timeout): let the policy retry.
            raise failure(str(error), ErrorType.conversion_failed, retryable=True) from error
        return str(pdf.relative_to(self.settings.scratch_dir.resolve()))


class FilingActivities:
    """Files what a mission's letter produces in the client's GED (the missions queue)."""

    def __init__(self, blobs: BlobStore) -> None:
        self.blobs = blobs

    @activity.defn(name=Activities.file_letter)
    def file_letter(self, request: FileLetterInput) -> str:
        """File the PDF in the chosen folder; the key (mission, version) files it once."""
        key = letter_key(request.mission_id, request.version)
        pdf_path = scratch_path(request.pdf_name)
        with session_scope() as session:
            mission = session.get(Mission, request.mission_id)
            if mission is None:
                raise not_found(f"mission {request.mission_id}")
            folder = session.get(Folder, request.folder_id)
            if folder is None or folder.client_id != mission.client_id:
                raise not_found(f"folder {request.folder_id}")
            document = file_document(
                session,
                self.blobs,
                key=key,
                firm_id=mission.firm_id,
                client_id=mission.client_id,
                folder_id=folder.id,
                mission_id=mission.id,
                kind=DocumentKind.letter,
                name=f"Lettre de mission - {mission.name} - v{request.version}.pdf",
                version=request.version,
                data=pdf_path.read_bytes,
            )
            document_id = document.id
        drop_working_files(pdf_path)
        return document_id
