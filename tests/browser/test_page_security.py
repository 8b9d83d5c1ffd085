"""The pages' guards over plain HTTP: CSRF, sign-out, the sign-in rate limit."""

from __future__ import annotations

import secrets

from tests.browser.pages import browser_client, form_token, staff_signed_in
from tests.e2e.stack import Stack


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(stack: Stack) -> None:
    demo = stack.demo
    http = browser_client(stack.api)
    token = form_token(http, "/app/sign-in")
    credentials = {"email": demo["staff_email"], "password": demo["staff_password"]}

    refused = http.post("/app/sign-in", data=credentials)
    forged = http.post("/app/sign-in", data={**credentials, "csrf_token": "forged" + token})

    for answer in (refused, forged):
        assert answer.status_code == 403
        assert answer.headers["content-type"].startswith("text/html")
        assert "Formulaire refusé" in answer.text
        assert "sceau_session" not in answer.headers.get("set-cookie", "")
    assert http.get("/app/").status_code == 303  # not signed in

    # Signed in, a form still needs the session's own token: sign-out without it does nothing.
    signed_in = staff_signed_in(stack.api, demo["staff_email"], demo["staff_password"])
    assert signed_in.post("/sign-out", data={"csrf_token": token}).status_code == 403
    assert signed_in.get("/app/").status_code == 200


def test_sign_out_ends_the_session_everywhere_it_is_used(stack: Stack) -> None:
    demo = stack.demo
    tab = staff_signed_in(stack.api, demo["staff_email"], demo["staff_password"])
    # The same session in another window (its cookie copied): one session, two places.
    other_window = browser_client(stack.api)
    other_window.cookies.update(tab.cookies)
    assert other_window.get("/app/").status_code == 200

    token = form_token(tab, "/app/")
    out = tab.post("/sign-out", data={"csrf_token": token})
    assert out.status_code == 303 and out.headers["location"].startswith("/app/sign-in")

    for http in (tab, other_window):
        http.cookies.update(other_window.cookies)  # even a browser that kept the cookie
        answer = http.get("/app/")
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/app/sign-in")


def test_sign_out_everywhere_ends_every_session_of_the_person(stack: Stack) -> None:
    demo = stack.demo
    laptop = staff_signed_in(stack.api, demo["staff_email"], demo["staff_password"])
    tablet = staff_signed_in(stack.api, demo["staff_email"], demo["staff_password"])

    token = form_token(laptop, "/app/")
    laptop.post("/sign-out", data={"csrf_token": token, "everywhere": "1"})

    assert tablet.get("/app/").status_code == 303
    assert laptop.get("/app/").status_code == 303


def test_the_sixth_wrong_password_in_a_minute_gets_429(stack: Stack) -> None:
    http = browser_client(stack.api)
    token = form_token(http, "/app/sign-in")
    email = f"someone-{secrets.token_hex(4)}@cabinet-martin.example"
    wrong = {"email": email, "password": "guess", "csrf_token": token}

    answers = [http.post("/app/sign-in", data=wrong).status_code for _ in range(5)]
    sixth = http.post("/app/sign-in", data=wrong)

    assert answers == [401] * 5
    assert sixth.status_code == 429
    assert 1 <= int(sixth.headers["retry-after"]) <= 60
    assert "Trop de tentatives" in sixth.text
    # Other people are not held back by one address's guesses at someone else's e-mail.
    demo = stack.demo
    staff_signed_in(stack.api, demo["staff_email"], demo["staff_password"])


def test_a_field_past_its_limit_gets_a_page_not_a_server_error(stack: Stack) -> None:
    http = browser_client(stack.api)
    token = form_token(http, "/app/sign-in")
    for path, data in (
        ("/app/sign-in", {"email": "a" * 5000, "password": "x"}),
        ("/client/sign-in", {"email": "a" * 5000 + "@example.com"}),
        ("/app/invitation/nothing", {"password": "p" * 5000}),
    ):
        answer = http.post(path, data={**data, "csrf_token": token})
        assert answer.status_code == 422, path
        assert answer.headers["content-type"].startswith("text/html")
        assert "Données refusées" in answer.text
