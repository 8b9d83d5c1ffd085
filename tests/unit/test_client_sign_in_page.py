"""The client's sign-in page says how long the e-mailed link is valid: the setting's minutes."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from domain.settings import get_settings


@pytest.fixture
def twenty_minutes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SCEAU_SIGN_IN_LINK_MINUTES", "20")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_sign_in_page_says_the_links_real_lifetime(twenty_minutes: None) -> None:
    # No lifespan: a signed-out visitor's page needs neither the database nor Temporal.
    client = TestClient(create_app())
    page = client.get("/client/sign-in")
    assert page.status_code == 200
    assert "un lien de connexion, valable 20 minutes." in page.text
    assert "quelques minutes" not in page.text

    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    refused = client.post("/client/sign-in", data={"email": "sans-arobase", "csrf_token": token[1]})
    assert refused.status_code == 422
    assert "valable 20 minutes." in refused.text
