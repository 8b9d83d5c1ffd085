"""What a page answers instead of itself: an error page, or the way to the sign-in page."""

from __future__ import annotations


class PageError(Exception):
    """An HTML error page (rendered by web/app.py's handler): 403 for a form without its
    token, 404 for what does not exist or is another firm's, 429 with Retry-After..."""

    def __init__(
        self, status: int, title: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message
        self.headers = headers or {}


def page_not_found() -> PageError:
    # Another firm's object answers exactly as a missing one: nothing tells them apart.
    return PageError(404, "Page introuvable", "Cette page n'existe pas ou n'est pas la vôtre.")


class SignInRequired(Exception):
    """No live session for these pages: the visitor goes to ``sign_in_url``."""

    def __init__(self, sign_in_url: str) -> None:
        super().__init__(sign_in_url)
        self.sign_in_url = sign_in_url
