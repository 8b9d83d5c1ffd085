"""The local provider's signer page, driven over HTTP like a browser posting its forms: the
provider runs as a real process and its webhooks reach a real receiver (the same harness as
test_signature_provider.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from esignature.yousign import YousignClient
from tests.integration.test_signature_provider import (
    SIGNERS,
    ProviderProcess,
    WebhookReceiver,
    checked_events,
    ongoing_request,
)


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def provider(
    receiver: WebhookReceiver, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProviderProcess]:
    process = ProviderProcess(tmp_path_factory.mktemp("signer-page") / "data", receiver.url)
    process.start()
    yield process
    process.stop()


@dataclass
class Form:
    action: str
    fields: dict[str, str]
    buttons: list[str]


class Page(HTMLParser):
    """What a person (or a screen reader) finds on the page: text, forms, labels, frames."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.labels: dict[str, str] = {}
        self.frames: list[dict[str, str]] = []
        self.text_parts: list[str] = []
        self._button: list[str] | None = None
        self._label_for: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(Form(values["action"], {}, []))
        elif tag in ("input", "textarea") and self.forms and "name" in values:
            self.forms[-1].fields[values["name"]] = values.get("value", "")
            if "id" in values:
                self.forms[-1].fields.setdefault(f"#{values['id']}", values["name"])
        elif tag == "button":
            self._button = []
        elif tag == "label":
            self._label_for = values.get("for")
        elif tag == "iframe":
            self.frames.append(values)

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._button is not None:
            self.forms[-1].buttons.append("".join(self._button).strip())
            self._button = None
        elif tag == "label":
            self._label_for = None

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)
        if self._button is not None:
            self._button.append(data)
        if self._label_for:
            self.labels[self._label_for] = self.labels.get(self._label_for, "") + data

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text_parts))

    def form(self, button: str) -> Form:
        (found,) = [f for f in self.forms if button in f.buttons]
        return found


async def signing_links(client: YousignClient, request_id: str) -> dict[str, str]:
    """Each signer's `signature_link`, by e-mail, as the provider gives them to Sceau."""
    return {s["info"]["email"]: s["signature_link"] for s in await client.signers(request_id)}


async def open_page(browser: httpx.AsyncClient, link: str) -> Page:
    answer = await browser.get(link)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    return Page(answer.text)


def event_shapes(events: list[Any]) -> list[tuple[str, str, str]]:
    return [(e.event_name, e.signer_email or "", e.signature_request_status or "") for e in events]


async def test_signing_through_the_page_fires_the_webhooks_of_the_api_path(
    provider: ProviderProcess, receiver: WebhookReceiver
) -> None:
    async with provider.client() as client, httpx.AsyncClient(follow_redirects=True) as browser:
        # The API path, each signer in turn.
        by_api = await ongoing_request(client, "page-1:api")
        ids = [s["id"] for s in await client.signers(by_api["id"])]
        for signer_id in ids:
            answer = await browser.post(
                f"{provider.root_url}/signer/{by_api['id']}/sign", json={"signer_id": signer_id}
            )
            assert answer.status_code == 200
        api_events = checked_events(await receiver.wait_for(by_api["id"], 3))

        # The page path: each signer opens their own link and clicks "Signer".
        by_page = await ongoing_request(client, "page-1:page")
        links = await signing_links(client, by_page["id"])
        for first, last, email in SIGNERS:
            page = await open_page(browser, links[email])
            assert f"Signataire : {first} {last} ({email})" in page.text
            assert "Ce document attend votre signature." in page.text
            (frame,) = page.frames
            assert frame["title"] == "Document à signer : lettre-de-mission.pdf"
            shown = await browser.get(httpx.URL(links[email]).join(frame["src"]))
            assert shown.content.startswith(b"%PDF")
            assert page.labels["reason"] == "Motif du refus"
            sign = page.form("Signer")
            done = await browser.post(httpx.URL(links[email]).join(sign.action), data=sign.fields)
            assert done.status_code == 200
            assert "Votre signature est enregistrée. Merci." in Page(done.text).text
        page_events = checked_events(await receiver.wait_for(by_page["id"], 3))

        assert event_shapes(page_events) == event_shapes(api_events)
        assert [e.signer_email for e in page_events[:2]] == [email for *_, email in SIGNERS]
        assert [sorted(d.payload["data"]) for d in receiver.accepted(by_page["id"])] == [
            sorted(d.payload["data"]) for d in receiver.accepted(by_api["id"])
        ]
        assert (await client.get(by_page["id"]))["status"] == "done"
        assert (await client.download_signed(by_page["id"])).startswith(b"%PDF")

        # The used link says so, and offers nothing more to click.
        again = await open_page(browser, links[SIGNERS[0][2]])
        assert "Vous avez déjà signé ce document" in again.text
        assert "Tous les signataires ont signé : le document est signé." in again.text
        assert again.forms == []
        # Posting the old form again changes nothing and fires nothing.
        late = await browser.post(
            httpx.URL(links[SIGNERS[0][2]]).join(sign.action), data=sign.fields
        )
        assert late.status_code == 409
        assert "Cette action n'est plus possible" in Page(late.text).text
        assert len(receiver.attempts(by_page["id"])) == 3


async def test_refusing_with_a_reason(provider: ProviderProcess, receiver: WebhookReceiver) -> None:
    reason = 'Le tarif <b>ne convient pas</b> & "surtout" l\'article 3'
    async with provider.client() as client, httpx.AsyncClient(follow_redirects=True) as browser:
        request = await ongoing_request(client, "page-2:v1")
        links = await signing_links(client, request["id"])
        client_link, firm_link = (links[email] for *_, email in SIGNERS)
        page = await open_page(browser, client_link)
        refuse = page.form("Refuser")

        # No reason: refused, nothing changes.
        empty = await browser.post(
            httpx.URL(client_link).join(refuse.action), data={**refuse.fields, "reason": "  "}
        )
        assert empty.status_code == 400
        assert "Indiquez le motif de votre refus." in Page(empty.text).text
        assert (await client.get(request["id"]))["status"] == "ongoing"

        answer = await browser.post(
            httpx.URL(client_link).join(refuse.action), data={**refuse.fields, "reason": reason}
        )
        assert answer.status_code == 200
        shown = Page(answer.text)
        assert "Votre refus est enregistré." in shown.text
        assert "Vous avez refusé de signer ce document" in shown.text
        assert f"Motif : {reason}" in shown.text
        assert "<b>ne convient pas</b>" not in answer.text  # shown as text, not markup

        (event,) = checked_events(await receiver.wait_for(request["id"], 1))
        assert event.event_name == "signature_request.declined"
        assert event.reason == reason
        assert event.signer_email == SIGNERS[0][2]
        assert (await client.get(request["id"]))["decline_information"]["reason"] == reason

        # The used link says so, and offers nothing more to click.
        used = await open_page(browser, client_link)
        assert "Vous avez déjà refusé de signer ce document" in used.text
        assert used.forms == []
        # The other signer's link now says the document was refused.
        other = await open_page(browser, firm_link)
        assert "Ce document a été refusé par un signataire" in other.text
        assert other.forms == []


async def test_a_form_posted_from_elsewhere_is_refused(provider: ProviderProcess) -> None:
    async with provider.client() as client, httpx.AsyncClient() as browser:
        request = await ongoing_request(client, "page-3:v1")
        link = (await signing_links(client, request["id"]))[SIGNERS[0][2]]
        sign = (await open_page(browser, link)).form("Signer")
        url = httpx.URL(link).join(sign.action)
        for fields in ({}, {"token": "0" * 64}):
            forged = await browser.post(url, data=fields)
            assert forged.status_code == 403
            assert "ne vient pas de votre page de signature" in Page(forged.text).text
        # Another signer's token does not open this signer's form either.
        other_id = [s["id"] for s in await client.signers(request["id"])][1]
        other = await browser.get(
            f"{provider.root_url}/signer/{request['id']}?signer_id={other_id}"
        )
        other_token = Page(other.text).form("Signer").fields["token"]
        assert other_token != sign.fields["token"]
        assert (await browser.post(url, data={"token": other_token})).status_code == 403
        # Nor do the JSON controls take an empty form posted by another site's page.
        elsewhere = {"Origin": "http://attacker.example"}
        for action, fields in (("sign", {}), ("decline", {"reason": "x"})):
            control = f"{provider.root_url}/signer/{request['id']}/{action}"
            refused = await browser.post(control, data=fields, headers=elsewhere)
            assert refused.status_code == 403
        current = await client.get(request["id"])
        assert current["status"] == "ongoing"
        assert [s["status"] for s in current["signers"]] == ["notified", "notified"]


async def test_an_unknown_link_is_not_found(provider: ProviderProcess) -> None:
    async with provider.client() as client, httpx.AsyncClient(base_url=provider.root_url) as web:
        request = await ongoing_request(client, "page-4:v1")
        signer_id = (await client.signers(request["id"]))[0]["id"]
        for path in (
            f"/signer/no-such-request?signer_id={signer_id}",
            f"/signer/{request['id']}?signer_id=no-such-signer",
        ):
            answer = await web.get(path)
            assert answer.status_code == 404
            assert "Lien de signature inconnu" in answer.text
        posted = await web.post(f"/signer/{request['id']}/signers/no-such-signer/sign")
        assert posted.status_code == 404
        assert (await client.get(request["id"]))["status"] == "ongoing"
