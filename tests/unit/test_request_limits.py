"""A request body past the upload caps is refused before it is read, with or without a length."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.limits import MULTIPART_OVERHEAD
from domain.settings import get_settings

CAP = 1024
TOO_MUCH = CAP + MULTIPART_OVERHEAD + 1


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("SCEAU_TEMPLATE_MAX_BYTES", str(CAP))
    monkeypatch.setenv("SCEAU_UPLOAD_MAX_BYTES", str(CAP))
    get_settings.cache_clear()
    # No lifespan: the body is judged before authentication, the database or Temporal.
    yield TestClient(create_app())
    get_settings.cache_clear()


def multipart(size: int) -> bytes:
    return (
        b"--cut\r\n"
        b'Content-Disposition: form-data; name="file"; filename="lettre.docx"\r\n\r\n'
        + bytes(size)
        + b"\r\n--cut--\r\n"
    )


def chunks(body: bytes, size: int = 8192) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    error = response.json()["error"]
    assert error["code"] == "too_large"
    assert "at most" in error["message"]


def test_a_declared_length_past_the_cap_is_refused(api: TestClient) -> None:
    response = api.post(
        "/v1/letter-templates",
        content=multipart(TOO_MUCH),
        headers={"Content-Type": "multipart/form-data; boundary=cut"},
    )
    assert_too_large(response)


def test_a_chunked_body_past_the_cap_is_refused_while_it_arrives(api: TestClient) -> None:
    response = api.post(
        "/v1/portal/information-requests/wrk_x/files",
        content=chunks(multipart(TOO_MUCH)),
        headers={"Content-Type": "multipart/form-data; boundary=cut"},
    )
    assert "content-length" not in {name.lower() for name in response.request.headers}
    assert_too_large(response)


def test_a_chunked_body_within_the_cap_reaches_the_route(api: TestClient) -> None:
    response = api.post(
        "/v1/portal/information-requests/wrk_x/files",
        content=chunks(multipart(CAP)),
        headers={"Content-Type": "multipart/form-data; boundary=cut"},
    )
    # Past the body check, the route asks for a token.
    assert response.status_code == 401, response.text
