"""Stand-in activities with the real names: they record what the workflow asked for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from contracts.messages import (
    Activities,
    CancelSignatureInput,
    ChangeLineInput,
    ConvertInput,
    FileLetterInput,
    FileSignedInput,
    FollowUpInput,
    ProviderStatus,
    RemindInput,
    RenderInput,
    SaveMissionInput,
    SendForSignatureInput,
    SignatureStarted,
    SignatureStatusInput,
    TransitionInput,
    WorkCreated,
)


@dataclass
class Recorder:
    statuses: list[str] = field(default_factory=list)
    times: dict[str, str] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    fail_render_with: str | None = None
    # What the provider answers when the workflow asks for a request's status.
    provider_status: ProviderStatus = field(default_factory=lambda: ProviderStatus("ongoing"))
    # The provider refuses reminders and status reads (a 4xx: not worth retrying).
    provider_refuses: bool = False

    def activities(self) -> list[Callable[..., Any]]:
        @activity.defn(name=Activities.record_transition)
        async def record_transition(transition: TransitionInput) -> None:
            self.statuses.append(transition.status)
            self.times[transition.status] = transition.at

        @activity.defn(name=Activities.save_mission)
        async def save_mission(request: SaveMissionInput) -> None:
            self.calls.append(f"save:{len(request.draft.lines)}")

        @activity.defn(name=Activities.change_line)
        async def change_line(request: ChangeLineInput) -> None:
            self.calls.append(f"change:{request.change.line_id}:{request.change.price}")

        @activity.defn(name=Activities.render_letter)
        async def render_letter(request: RenderInput) -> str:
            if self.fail_render_with:
                raise ApplicationError(
                    self.fail_render_with, type="TemplateError", non_retryable=True
                )
            self.calls.append(f"render:v{request.version}")
            return request.scratch_name

        @activity.defn(name=Activities.convert_to_pdf)
        async def convert_to_pdf(request: ConvertInput) -> str:
            return request.docx_name.replace(".docx", ".pdf")

        @activity.defn(name=Activities.file_letter)
        async def file_letter(request: FileLetterInput) -> str:
            self.calls.append(f"file:v{request.version}")
            return f"doc-v{request.version}"

        @activity.defn(name=Activities.send_for_signature)
        async def send_for_signature(request: SendForSignatureInput) -> SignatureStarted:
            self.calls.append(f"send:v{request.version}")
            return SignatureStarted("sig-1", "provider-1", "ongoing")

        @activity.defn(name=Activities.cancel_signature)
        async def cancel_signature(request: CancelSignatureInput) -> None:
            self.calls.append("cancel_at_provider")

        @activity.defn(name=Activities.record_signature_status)
        async def record_signature_status(update: SignatureStatusInput) -> None:
            self.calls.append(f"signature:{update.status}")

        @activity.defn(name=Activities.file_signed_letter)
        async def file_signed_letter(request: FileSignedInput) -> None:
            self.calls.append("file_signed")

        @activity.defn(name=Activities.create_work)
        async def create_work(mission_id: str) -> WorkCreated:
            self.calls.append("create_work")
            return WorkCreated(tasks=3, information_requests=2)

        @activity.defn(name=Activities.remind_signers)
        async def remind_signers(request: RemindInput) -> int:
            self.calls.append(f"remind:{request.number}")
            if self.provider_refuses:
                raise ApplicationError("no", type="ProviderRejected", non_retryable=True)
            return 1

        @activity.defn(name=Activities.fetch_signature_status)
        async def fetch_signature_status(signature_id: str) -> ProviderStatus:
            self.calls.append("poll")
            if self.provider_refuses:
                raise ApplicationError("no", type="ProviderRejected", non_retryable=True)
            return self.provider_status

        @activity.defn(name=Activities.create_follow_up_task)
        async def create_follow_up_task(request: FollowUpInput) -> None:
            self.calls.append(f"follow_up:{request.reason}")

        return [
            remind_signers,
            fetch_signature_status,
            create_follow_up_task,
            record_transition,
            save_mission,
            change_line,
            render_letter,
            convert_to_pdf,
            file_letter,
            send_for_signature,
            cancel_signature,
            record_signature_status,
            file_signed_letter,
            create_work,
        ]
