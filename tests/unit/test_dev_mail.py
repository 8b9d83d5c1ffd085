"""/dev/mail: the caught e-mail, listed and shown under `sceau run` (SCEAU_DEMO), 404 otherwise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.routers import dev_mail
from domain.mail import build_message
from domain.mail_catcher import store
from domain.settings import Settings


@pytest.fixture
def caught(tmp_path: Path) -> Path:
    settings = Settings(data_dir=tmp_path)
    message = build_message(
        settings,
        to="jean.dupont@boulangerie-dupont.example",
        subject="Votre lien de connexion <Sceau> & co",
        body="Bonjour,\n\nCliquez ici : http://127.0.0.1:8000/client/connexion?t=abc\n",
        idempotency_key="sign-in:jean",
    )
    path = store(settings.mail_dir, message.as_bytes())
    assert path is not None
    return path


def api(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *, demo: bool) -> TestClient:
    settings = Settings(data_dir=tmp_path, demo=demo)
    monkeypatch.setattr(dev_mail, "get_settings", lambda: settings)
    # No lifespan: the pages need neither the database nor Temporal.
    return TestClient(create_app())


def test_under_sceau_run_the_caught_mail_is_listed_and_shown(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caught: Path
) -> None:
    client = api(monkeypatch, tmp_path, demo=True)
    listing = client.get("/dev/mail")
    assert listing.status_code == 200
    assert listing.headers["content-type"].startswith("text/html")
    assert "jean.dupont@boulangerie-dupont.example" in listing.text
    # The subject is text, escaped, and links to the message.
    assert "Votre lien de connexion &lt;Sceau&gt; &amp; co" in listing.text
    links = re.findall(r'href="(/dev/mail/[^"]+)"', listing.text)
    assert links == [f"/dev/mail/{caught.name}"]
    shown = client.get(links[0])
    assert shown.status_code == 200
    assert "http://127.0.0.1:8000/client/connexion?t=abc" in shown.text
    assert client.get("/dev/mail/..%2Fsecrets%2Foperator_token").status_code == 404
    assert client.get("/dev/mail/00009-0123456789abcdef.eml").status_code == 404


def test_without_the_demo_there_is_no_mail_page(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caught: Path
) -> None:
    client = api(monkeypatch, tmp_path, demo=False)
    assert client.get("/dev/mail").status_code == 404
    assert client.get(f"/dev/mail/{caught.name}").status_code == 404


def test_the_mail_page_is_not_part_of_the_api_schema(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    schema = api(monkeypatch, tmp_path, demo=True).get("/openapi.json").json()
    assert not [path for path in schema["paths"] if path.startswith("/dev")]


def test_a_messages_urls_are_links_and_its_markup_is_text(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path)
    message = build_message(
        settings,
        to="jean.dupont@boulangerie-dupont.example",
        subject="Votre lien",
        body=(
            "Bonjour,\n\nCliquez ici : http://127.0.0.1:8000/client/connexion?t=abc&u=1.\n"
            '<script>alert(1)</script> (https://exemple.fr/a"b) <b>gras</b>\n'
        ),
        idempotency_key="sign-in:links",
    )
    path = store(settings.mail_dir, message.as_bytes())
    assert path is not None
    shown = api(monkeypatch, tmp_path, demo=True).get(f"/dev/mail/{path.name}")
    assert shown.status_code == 200
    links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', shown.text)
    assert (
        "http://127.0.0.1:8000/client/connexion?t=abc&amp;u=1",
        "http://127.0.0.1:8000/client/connexion?t=abc&amp;u=1",
    ) in links
    # The URL ends before a quote: the rest is text, not an attribute.
    assert ("https://exemple.fr/a", "https://exemple.fr/a") in links
    assert "<script>" not in shown.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown.text
    assert "&lt;b&gt;gras&lt;/b&gt;" in shown.text
    assert "<b>" not in shown.text
