"""Stand-in activities with the real names: they record what the workflow asked for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.mail import send_each
from contracts.mail import (
    MAILS_FOR,
    SEND_MAIL,
    SEND_OCCASION_MAILS,
    MailInput,
    MailKind,
    MailOccasion,
    MailSent,
    mail_key,
)
from contracts.messages import (
    Activities,
    AmendmentActivities,
    AmendmentDraft,
    AmendmentRenderInput,
    AmendmentStatusInput,
    CancelSignatureInput,
    ChangeLineInput,
    ConvertInput,
    EndWorkInput,
    FileAmendmentLetterInput,
    FileLetterInput,
    FileSignedAmendmentInput,
    FileSignedInput,
    FollowUpInput,
    LineInput,
    NoticeInput,
    OpenWorkInput,
    ProviderStatus,
    RemindInput,
    RenderInput,
    RenewedPeriod,
    RenewInput,
    SaveAmendmentInput,
    SaveMissionInput,
    SendForSignatureInput,
    SignatureStarted,
    SignatureStatusInput,
    TerminationInput,
    TerminationRecorded,
    TransitionInput,
    WorkCreated,
    WorkOpened,
)
from contracts.statuses import Renewal
from domain.amendments import Terms, plan_in_force, terms_in_period
from domain.enums import Frequency, WorkKind
from domain.models import MissionLine, ServiceWork
from domain.period import (
    FirmClock,
    consumer_notice_window,
    next_period,
    termination_effective_on,
)
from domain.work import openings

# The stand-in catalogue: each service's work (the bookkeeping service makes one task a slice).
CATALOGUE = {
    "svc-1": [("task", "Saisir et rapprocher le mois")],
    # The service amendments add (tests/workflow/test_amendments.py).
    "svc-2": [("task", "Établir les bulletins de paie")],
}


def line_rows(lines: list[LineInput]) -> list[MissionLine]:
    return [
        MissionLine(
            id=line.line_id,
            mission_id="m",
            position=position,
            service_id=line.service_id,
            code=line.code,
            name=line.name,
            price=Decimal(line.price),
            frequency=Frequency(line.frequency),
        )
        for position, line in enumerate(lines)
    ]


def catalogue_rows(
    catalogue: dict[str, list[tuple[str, str]]] = CATALOGUE,
) -> dict[str, list[ServiceWork]]:
    return {
        service_id: [
            ServiceWork(service_id=service_id, position=i, kind=WorkKind(kind), title=title)
            for i, (kind, title) in enumerate(work)
        ]
        for service_id, work in catalogue.items()
    }


# What the stand-in provider answers as each signer's signing link.
SIGNING_LINKS = {
    "client@x.fr": "https://provider.test/signer/provider-1?signer_id=1",
    "firm@x.fr": "https://provider.test/signer/provider-1?signer_id=2",
}


@dataclass
class Outbox:
    """The stand-in mail activities' record: the occasions looked up, each message's attempts,
    and the keys sent, each once (the stand-in of the `sentmail` table)."""

    occasions: list[MailOccasion] = field(default_factory=list)
    # Each message's attempts to reach the relay (one found sent already makes none).
    attempts: dict[str, int] = field(default_factory=dict)
    sent: list[str] = field(default_factory=list)
    # The keys whose send was lost with its worker, and those a retry found sent already.
    lost_reports: list[str] = field(default_factory=list)
    found_sent: list[str] = field(default_factory=list)
    # send_mail sends, then fails, this many times (a worker lost before it reported).
    fail_after_sending: int = 0
    # The relay is out of reach for each message's first this many attempts (the test server
    # waits out retry intervals in real time: 1 s, then 2 s …).
    relay_down_for: int = 0
    # The relay refuses every message for good (a 5xx answer: not retried).
    relay_refuses: bool = False

    def messages(self, occasion: MailOccasion) -> list[MailInput]:
        """One message per signing link for a letter to sign, else one; keyed by the
        occasion's facts and the activity (two openings' requests are two messages)."""
        facts = (
            occasion.mission_id,
            f"v{occasion.letter_version}",
            occasion.document_key or occasion.document_id or occasion.service_request_id,
        )
        if occasion.kind == MailKind.letter_to_sign:
            return [
                MailInput(mail_key(occasion.kind, *facts, email), occasion.kind, email, link=link)
                for email, link in occasion.signing_links.items()
            ]
        once = f"{activity.info().workflow_run_id}-{activity.info().activity_id}"
        return [MailInput(mail_key(occasion.kind, *facts, once), occasion.kind, "client@x.fr")]


@dataclass
class WorkStore:
    """The work items the stand-ins created, by key, with the workflow time of their opening:
    shared by the stand-ins of a worker that is stopped and the one that replaces it."""

    created: dict[str, datetime] = field(default_factory=dict)
    # Each slice's key and the slice's start, to check when it opened.
    starts: dict[str, date] = field(default_factory=dict)
    inserts: int = 0
    cancelled: list[str] = field(default_factory=list)


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
    # Period by period: the lines saved, the firm's clock, the client's kind, and the work.
    lines: list[LineInput] = field(default_factory=list)
    clock: FirmClock = field(default_factory=FirmClock)
    consumer: bool = False
    work: WorkStore = field(default_factory=WorkStore)
    notices: list[tuple[int, str]] = field(default_factory=list)
    # open_work fails this many attempts after writing (a worker that dies before it reports).
    open_work_failures: int = 0
    # The mission's row's period and renewal terms, for a workflow that never had them.
    row_period: tuple[str, str] = ("", "")
    # Amendments: each one's saved draft, and the signed ones' (effective date, lines).
    amendments: dict[str, AmendmentDraft] = field(default_factory=dict)
    signed_amendments: list[tuple[date, list[MissionLine]]] = field(default_factory=list)

    def terms(self, start: date, end: date) -> list[Terms]:
        """The lines in force through a period, as domain/queries.py reads them."""
        signed = sorted(self.signed_amendments, key=lambda signed: signed[0])
        return terms_in_period(start, end, line_rows(self.lines), signed)

    # Each service's work, (kind, title) pairs.
    catalogue: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: dict(CATALOGUE))
    mail: Outbox = field(default_factory=Outbox)

    def activities(self) -> list[Callable[..., Any]]:
        @activity.defn(name=Activities.record_transition)
        async def record_transition(transition: TransitionInput) -> None:
            self.statuses.append(transition.status)
            self.times[transition.status] = transition.at

        @activity.defn(name=Activities.save_mission)
        async def save_mission(request: SaveMissionInput) -> None:
            self.calls.append(f"save:{len(request.draft.lines)}")
            self.lines = list(request.draft.lines)

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
            if request.version < 0:  # an amendment's request
                return SignatureStarted(f"sig-amd-{-request.version}", "provider-2", "ongoing")
            return SignatureStarted("sig-1", "provider-1", "ongoing", dict(SIGNING_LINKS))

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

        @activity.defn(name=Activities.open_work)
        async def open_work(request: OpenWorkInput) -> WorkOpened:
            renewal = request.renewal
            if request.period_start and request.period_end:
                start = date.fromisoformat(request.period_start)
                end = date.fromisoformat(request.period_end)
            else:
                start, end = (date.fromisoformat(day) for day in self.row_period)
                renewal = Renewal.tacit
            planned = plan_in_force(
                request.mission_id,
                start,
                end,
                self.terms(start, end),
                catalogue_rows(self.catalogue),
                renewal=request.renewal_number,
            )
            until = date.fromisoformat(request.until) if request.until else None
            opened = openings(planned, self.clock, request.as_of, until)
            for item in opened.open:
                if item.key not in self.work.created:
                    self.work.created[item.key] = request.as_of
                    self.work.starts[item.key] = item.period_start
                    self.work.inserts += 1
            if self.open_work_failures > 0:
                self.open_work_failures -= 1
                raise RuntimeError("the worker died before it reported")
            self.calls.append("open_work")
            notice_from = notice_until = None
            if self.consumer and renewal == Renewal.tacit:
                first, last = consumer_notice_window(end, request.notice_months)
                notice_from = self.clock.day_starts(first)
                notice_until = self.clock.day_starts(last + timedelta(days=1))
            tasks = sum(1 for item in opened.open if item.kind is WorkKind.task)
            return WorkOpened(
                tasks=tasks,
                information_requests=len(opened.open) - tasks,
                next_opening=opened.next_opening,
                period_ends_at=self.clock.day_starts(end + timedelta(days=1)),
                notice_from=notice_from,
                notice_until=notice_until,
                period_start=start.isoformat(),
                period_end=end.isoformat(),
                renewal=renewal,
                notice_months=request.notice_months,
            )

        @activity.defn(name=Activities.renew_mission)
        async def renew_mission(request: RenewInput) -> RenewedPeriod:
            start, end = next_period(
                date.fromisoformat(request.period_start), date.fromisoformat(request.period_end)
            )
            self.calls.append(f"renew:{request.renewal_number}")
            self.statuses.append("renewed")
            self.times[f"renewed:{request.renewal_number}"] = request.at
            return RenewedPeriod(start.isoformat(), end.isoformat())

        @activity.defn(name=Activities.record_termination)
        async def record_termination(request: TerminationInput) -> TerminationRecorded:
            effective = termination_effective_on(
                date.fromisoformat(request.period_start),
                date.fromisoformat(request.period_end),
                request.notice_months,
                date.fromisoformat(request.request.notice_given_on),
                date.fromisoformat(request.request.agreed_end)
                if request.request.agreed_end
                else None,
                renews=request.renews,
            )
            self.calls.append(f"termination:{effective.isoformat()}")
            return TerminationRecorded(
                effective.isoformat(), self.clock.day_starts(effective + timedelta(days=1))
            )

        @activity.defn(name=Activities.end_work)
        async def end_work(request: EndWorkInput) -> int:
            self.calls.append(f"end_work:{request.effective_on}")
            self.work.cancelled.append(request.effective_on)
            return 0

        @activity.defn(name=Activities.render_renewal_notice)
        async def render_renewal_notice(notice: NoticeInput) -> str:
            return notice.scratch_name

        @activity.defn(name=Activities.file_renewal_notice)
        async def file_renewal_notice(notice: NoticeInput) -> str:
            at = activity.info().current_attempt_scheduled_time.isoformat()
            self.notices.append((notice.renewal_number, at))
            return f"notice-{notice.renewal_number}"

        @activity.defn(name=AmendmentActivities.save_amendment)
        async def save_amendment(request: SaveAmendmentInput) -> int:
            drafted = self.amendments.setdefault(request.draft.amendment_id, request.draft)
            return list(self.amendments).index(drafted.amendment_id) + 1

        @activity.defn(name=AmendmentActivities.render_amendment_letter)
        async def render_amendment_letter(request: AmendmentRenderInput) -> str:
            self.calls.append(f"render_amendment:v{request.version}")
            return request.scratch_name

        @activity.defn(name=AmendmentActivities.file_amendment_letter)
        async def file_amendment_letter(request: FileAmendmentLetterInput) -> str:
            return f"doc-{request.amendment_id}-v{request.version}"

        @activity.defn(name=AmendmentActivities.record_amendment)
        async def record_amendment(request: AmendmentStatusInput) -> None:
            self.statuses.append(f"amendment:{request.status}")
            self.times[f"amendment:{request.status}"] = request.at
            if request.status == "signed":
                draft = self.amendments[request.amendment_id]
                lines = line_rows(draft.lines)
                self.signed_amendments.append((date.fromisoformat(draft.effective_date), lines))

        @activity.defn(name=AmendmentActivities.file_signed_amendment)
        async def file_signed_amendment(request: FileSignedAmendmentInput) -> None:
            self.calls.append(f"file_signed_amendment:{request.signature_id}")

        @activity.defn(name=MAILS_FOR)
        async def mails_for(occasion: MailOccasion) -> list[MailInput]:
            if activity.info().attempt == 1:  # the occasion, not each look-up of it
                self.mail.occasions.append(occasion)
            return self.mail.messages(occasion)

        @activity.defn(name=SEND_MAIL)
        async def send_mail(mail: MailInput) -> MailSent:
            key = mail.idempotency_key
            if key in self.mail.sent:
                self.mail.found_sent.append(key)
                return MailSent(key, sent=False)
            self.mail.attempts[key] = self.mail.attempts.get(key, 0) + 1
            if self.mail.relay_refuses:
                raise ApplicationError("550 no", type="MailRejected", non_retryable=True)
            if self.mail.attempts[key] <= self.mail.relay_down_for:
                raise ApplicationError("relay out of reach", type="MailUnavailable")
            self.mail.sent.append(key)
            if self.mail.fail_after_sending > 0:
                self.mail.fail_after_sending -= 1
                self.mail.lost_reports.append(key)
                raise RuntimeError("the worker died before it reported")
            return MailSent(key, sent=True)

        @activity.defn(name=SEND_OCCASION_MAILS)
        async def send_occasion_mails(occasion: MailOccasion) -> list[MailSent]:
            return await send_each(await mails_for(occasion), send_mail)

        return [
            save_amendment,
            render_amendment_letter,
            file_amendment_letter,
            record_amendment,
            file_signed_amendment,
            mails_for,
            send_mail,
            send_occasion_mails,
            open_work,
            renew_mission,
            record_termination,
            end_work,
            render_renewal_notice,
            file_renewal_notice,
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
