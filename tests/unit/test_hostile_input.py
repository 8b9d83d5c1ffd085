"""Internals stay out of error answers; secrets are private from birth; no Jinja with known
sandbox escapes (issue 14, point 5)."""

from __future__ import annotations

import logging
import os
import stat
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from temporalio.exceptions import ActivityError, ApplicationError, RetryState

from api.gateway import as_api_error
from domain.logs import request_id
from domain.settings import Settings
from domain.uploads import content_disposition

ROOT = Path(__file__).resolve().parents[2]
SCRATCH = "/srv/sceau/var/scratch/previews/prv_1234.docx"
LOG_TAIL = "soffice.bin: javaldx failed; /srv/sceau/var/pool/slot-0/lo.log"


def failed_activity(message: str, type: str) -> ActivityError:
    """An activity's ApplicationError, as the API receives it from a workflow update."""
    error = ActivityError(
        "activity failed",
        scheduled_event_id=1,
        started_event_id=2,
        identity="worker",
        activity_type="convert_to_pdf",
        activity_id="1",
        retry_state=RetryState.NON_RETRYABLE_FAILURE,
    )
    error.__cause__ = ApplicationError(message, type=type, non_retryable=True)
    return error


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (
            failed_activity(f"LibreOffice cannot convert {SCRATCH}: {LOG_TAIL}", "InvalidDocument"),
            422,
            "template_error",
        ),
        (
            failed_activity(
                f"POST /v3/signature_requests: {SCRATCH} (HTTP 400)", "ProviderRejected"
            ),
            424,
            "provider_rejected",
        ),
        (
            failed_activity(f"LibreOffice timed out: {LOG_TAIL} {SCRATCH}", "ConversionFailed"),
            503,
            "workflow_failed",
        ),
        (RuntimeError(f"cannot open {SCRATCH}: {LOG_TAIL}"), 503, "workflow_failed"),
    ],
)
def test_error_answers_keep_internals_in_the_log(
    error: BaseException, status: int, code: str, caplog: pytest.LogCaptureFixture
) -> None:
    token = request_id.set("req-42")
    try:
        with caplog.at_level(logging.WARNING, logger="sceau.api"):
            answer = as_api_error(error)
    finally:
        request_id.reset(token)
    assert (answer.status, answer.code) == (status, code)
    for internal in ("/srv/sceau", "soffice", "slot-0", "prv_1234", "/v3/"):
        assert internal not in answer.message, answer.message
        assert internal not in str(answer.details)
    assert answer.details == {"request_id": "req-42"}
    logged = caplog.text
    assert "req-42" in logged and SCRATCH in logged


@pytest.mark.parametrize(
    ("type", "status", "code"),
    [
        ("Conflict", 409, "conflict"),
        ("NotFound", 404, "not_found"),
        ("InvalidInput", 422, "invalid_request"),
        ("TemplateError", 422, "template_error"),
    ],
)
def test_messages_written_for_the_caller_are_kept(type: str, status: int, code: str) -> None:
    message = "the mission is signed: it cannot change"
    answer = as_api_error(failed_activity(message, type))
    assert (answer.status, answer.code, answer.message) == (status, code, message)


def test_a_generated_secret_is_never_readable_by_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Created 0600, not written then chmod-ed: even with a permissive umask and no chmod at
    all, the file is never open to others."""
    monkeypatch.setattr(Path, "chmod", lambda self, mode: None)
    old_umask = os.umask(0)
    try:
        value = Settings(data_dir=tmp_path).secret("operator_token")
    finally:
        os.umask(old_umask)
    path = tmp_path / "secrets" / "operator_token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == value and len(value) >= 40
    assert sorted(p.name for p in path.parent.iterdir()) == ["operator_token"]
    assert Settings(data_dir=tmp_path).secret("operator_token") == value


def test_processes_racing_for_a_secret_read_the_same_one(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    with ThreadPoolExecutor(8) as pool:
        values = set(pool.map(lambda _: settings.secret("yousign_webhook_secret"), range(32)))
    assert len(values) == 1


def test_jinja_versions_with_known_sandbox_escapes_are_excluded() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (jinja,) = (
        Requirement(line)
        for line in project["dependencies"]
        if Requirement(line).name.lower() == "jinja2"
    )
    # CVE-2024-56326 (fixed in 3.1.5) and CVE-2025-27516 (fixed in 3.1.6).
    for escaped in ("3.1.0", "3.1.4", "3.1.5"):
        assert not jinja.specifier.contains(escaped), jinja
    assert jinja.specifier.contains("3.1.6")


@pytest.mark.parametrize(
    ("name", "fallback", "encoded"),
    [
        ("Relevé.pdf", "Releve.pdf", "Relev%C3%A9.pdf"),
        ("A\r\nSet-Cookie: x=1.pdf", "A Set-Cookie: x=1.pdf", "A%20Set-Cookie%3A%20x%3D1.pdf"),
        ('dit "non".pdf', "dit non.pdf", "dit%20%22non%22.pdf"),
        ("\u202efdp.exe", "fdp.exe", "fdp.exe"),
        ("\x00\x1f", "document", "document"),
    ],
)
def test_content_disposition_sends_the_name_whole_and_a_safe_fallback(
    name: str, fallback: str, encoded: str
) -> None:
    header = content_disposition("attachment", name)
    assert header == f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
