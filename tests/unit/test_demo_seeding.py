"""`sceau run`'s demo seeding: idempotent, resumed after a failure, retried with a bound."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain import demo
from domain.settings import Settings


class FakeApi:
    """Answers the seeding's POSTs like the API; fails the calls it is told to fail."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.fail: dict[str, list[Exception]] = {}

    def post(self, url: str, json: dict[str, Any], headers: dict[str, str], **_: Any) -> Any:
        path = url.removeprefix("http://api")
        self.calls.append(path)
        errors = self.fail.get(path)
        if errors:
            raise errors.pop(0)
        n = len(self.calls)
        body: dict[str, Any] = {"id": f"id{n}", "token": f"tok{n}"}
        if path == "/v1/firms":
            body |= {"admin_id": "adm", "admin_token": "admintok", "admin_token_expires_at": None}
        if path == "/v1/services":
            body["code"] = json["code"]
        if path == "/v1/clients":
            body["representatives"] = [{"id": "rep1"}]
        request = httpx.Request("POST", url)
        return httpx.Response(201, json=body, request=request)


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> FakeApi:
    fake = FakeApi()
    monkeypatch.setattr(demo.httpx, "post", fake.post)
    return fake


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, operator_token="op", demo_seed_attempts=4)


def test_a_failed_seeding_is_retried_and_resumes_with_the_same_firm(
    api: FakeApi, settings: Settings
) -> None:
    api.fail["/v1/clients"] = [httpx.ConnectError("refused"), httpx.ReadTimeout("slow")]
    delays: list[float] = []
    lines: list[str] = []
    seeded = demo.ensure_demo(settings, "http://api", sleep=delays.append, report=lines.append)
    assert api.calls.count("/v1/firms") == 1  # one firm, not one per attempt
    assert api.calls.count("/v1/staff") == 1
    assert api.calls.count("/v1/services") == len(demo.SERVICES)
    assert api.calls.count("/v1/clients") == 3
    assert delays == [1.0, 2.0]
    assert len(lines) == 2 and "attempt 1/4" in lines[0]
    assert json.loads((settings.data_dir / demo.DEMO_FILE).read_text()) == seeded
    assert (settings.data_dir / demo.DEMO_FILE).stat().st_mode & 0o777 == 0o600
    assert not (settings.data_dir / demo.PROGRESS_FILE).exists()


def test_a_seeded_data_directory_keeps_its_demo_firm(api: FakeApi, settings: Settings) -> None:
    first = demo.ensure_demo(settings, "http://api", sleep=lambda _: None)
    calls = len(api.calls)
    assert demo.ensure_demo(settings, "http://api", sleep=lambda _: None) == first
    assert len(api.calls) == calls


def test_the_backoff_is_bounded_and_the_last_error_raised(api: FakeApi, settings: Settings) -> None:
    settings = settings.model_copy(update={"demo_seed_attempts": 7})
    api.fail["/v1/firms"] = [httpx.ConnectError("down")] * 7
    delays: list[float] = []
    with pytest.raises(httpx.ConnectError):
        demo.ensure_demo(settings, "http://api", sleep=delays.append, report=lambda _: None)
    assert delays == [1.0, 2.0, 4.0, 8.0, 15.0, 15.0]
    assert not demo.demo_seeded(settings)


def test_a_refused_step_starts_again_with_a_new_firm(api: FakeApi, settings: Settings) -> None:
    conflict = httpx.HTTPStatusError(
        "409",
        request=httpx.Request("POST", "http://api/v1/staff"),
        response=httpx.Response(409, request=httpx.Request("POST", "http://api/v1/staff")),
    )
    api.fail["/v1/staff"] = [conflict]
    demo.ensure_demo(settings, "http://api", sleep=lambda _: None, report=lambda _: None)
    assert api.calls.count("/v1/firms") == 2
    assert demo.demo_seeded(settings)
