"""The API's own pages work offline, and its operations carry clean, stable ids.

/docs and /redoc reference only assets that Sceau itself serves (installed with it from
PyPI), so an integrator behind a firm's firewall can read them; each operation's
``operationId`` is its endpoint function's name (``create_mission``), which names the
functions of a client generated from /openapi.json.
"""

from __future__ import annotations

import keyword
import re
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from api.app import create_app

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
CONTENT_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".png": ("image/png",),
    ".json": ("application/json",),
}


@pytest.fixture(scope="module")
def api() -> TestClient:
    # No lifespan: the pages and the schema need neither the database nor Temporal.
    return TestClient(create_app())


class References(HTMLParser):
    """Every URL a page makes the browser load: src, href and ReDoc's spec-url."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "spec-url") and value:
                self.urls.append(value)


def references(html: str) -> list[str]:
    parser = References()
    parser.feed(html)
    return parser.urls


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_a_docs_page_loads_only_assets_that_sceau_serves(api: TestClient, page: str) -> None:
    response = api.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    # No other host anywhere in the page, its inline script included.
    assert re.findall(r"(?:https?:)?//[\w.-]+", html) == [], html
    urls = references(html)
    assert any(url.endswith(".js") for url in urls), urls
    for url in urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc and url.startswith("/"), url
        asset = api.get(url)
        assert asset.status_code == 200, url
        suffix = "." + parts.path.rsplit(".", 1)[-1]
        expected = CONTENT_TYPES[suffix]
        assert asset.headers["content-type"].split(";")[0] in expected, (url, asset.headers)
        assert asset.content, url


def test_the_docs_page_points_at_the_schema_and_asks_no_outside_validator(
    api: TestClient,
) -> None:
    html = api.get("/docs").text
    assert "'/openapi.json'" in html or '"/openapi.json"' in html
    # Swagger UI would otherwise send the schema's address to an online validator.
    assert re.search(r"\"validatorUrl\":\s*null", html), html


def test_the_swagger_bundle_is_the_real_one(api: TestClient) -> None:
    page = api.get("/docs").text
    script = next(url for url in references(page) if url.endswith(".js"))
    assert b"SwaggerUIBundle" in api.get(script).content


def operations(api: TestClient) -> dict[tuple[str, str], str]:
    schema = api.get("/openapi.json").json()
    return {
        (method.upper(), path): operation["operationId"]
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    }


def test_every_operation_id_is_a_plain_identifier_used_once(api: TestClient) -> None:
    ids = operations(api)
    assert ids
    shared = {name: count for name, count in Counter(ids.values()).items() if count > 1}
    assert shared == {}, f"operation ids used more than once: {shared}"
    for where, name in ids.items():
        assert IDENTIFIER.match(name) and not keyword.iskeyword(name), (where, name)


def test_operation_ids_are_the_endpoint_function_names(api: TestClient) -> None:
    ids = operations(api)
    assert ids[("POST", "/v1/missions")] == "create_mission"
    assert ids[("GET", "/v1/missions")] == "list_missions"
    assert ids[("GET", "/v1/missions/{mission_id}")] == "get_mission"
    assert ids[("GET", "/healthz")] == "healthz"
