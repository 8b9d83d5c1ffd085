"""Helpers for the pages' HTTP-level tests: a browser-like httpx client with cookies."""

from __future__ import annotations

import re

import httpx

from tests.browser.mailbox import link_in, mail_files, new_mail_to
from tests.e2e.stack import Stack

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def browser_client(base: str) -> httpx.Client:
    """Keeps cookies like a browser, but shows each redirect instead of following it."""
    return httpx.Client(base_url=base, follow_redirects=False, timeout=60)


def form_token(http: httpx.Client, path: str) -> str:
    page = http.get(path)
    assert page.status_code == 200, (path, page.status_code)
    found = TOKEN.search(page.text)
    assert found, f"no CSRF token in {path}"
    return found.group(1)


def staff_signed_in(base: str, email: str, password: str) -> httpx.Client:
    http = browser_client(base)
    token = form_token(http, "/app/sign-in")
    answer = http.post(
        "/app/sign-in", data={"email": email, "password": password, "csrf_token": token}
    )
    assert answer.status_code == 303, answer.text[:500]
    assert http.get("/app/").status_code == 200
    return http


def client_signed_in(stack: Stack, email: str) -> httpx.Client:
    """A client's browser session, opened from the link e-mailed to ``email``."""
    http = browser_client(stack.api)
    seen = mail_files(stack)
    token = form_token(http, "/client/sign-in")
    asked = http.post("/client/sign-in", data={"email": email, "csrf_token": token})
    assert asked.status_code == 200, asked.text[:500]
    link = link_in(new_mail_to(stack, email, seen), "/client/sign-in/")
    path = httpx.URL(link).path
    token = form_token(http, path)
    opened = http.post(path, data={"csrf_token": token})
    assert opened.status_code == 303, opened.text[:500]
    assert http.get("/client/").status_code == 200
    return http
