"""The e-mail `sceau run`'s catcher received (<data dir>/mail/*.eml), read as a person would."""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr
from pathlib import Path

from tests.e2e.stack import Stack, wait_for

LINK = re.compile(r"https?://\S+")


def mail_files(stack: Stack) -> set[str]:
    return {path.name for path in (stack.data_dir / "mail").glob("*.eml")}


def read(path: Path) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert isinstance(message, EmailMessage)
    return message


def new_mail_to(
    stack: Stack, to: str, seen: set[str], seconds: float = 30, subject: str = ""
) -> EmailMessage:
    """The first message to ``to`` (an address, with or without a name) among those not in
    ``seen`` whose subject starts with ``subject`` (waits for it to arrive)."""
    address = parseaddr(to)[1].lower()

    def arrived() -> EmailMessage | None:
        for name in sorted(mail_files(stack) - seen):
            message = read(stack.data_dir / "mail" / name)
            if parseaddr(str(message["To"]))[1].lower() == address and str(
                message["Subject"]
            ).startswith(subject):
                return message
        return None

    found: EmailMessage = wait_for(arrived, f"an e-mail to {to}", seconds)
    return found


def body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def link_in(message: EmailMessage, path: str) -> str:
    """The message's link to ``path`` (e.g. "/client/sign-in/")."""
    links = [link for link in LINK.findall(body(message)) if path in link]
    assert len(links) == 1, body(message)
    return links[0]


def new_messages(stack: Stack, seen: set[str], subject: str) -> list[EmailMessage]:
    """The messages caught since ``seen`` whose subject starts with ``subject``."""
    caught = (read(stack.data_dir / "mail" / name) for name in sorted(mail_files(stack) - seen))
    return [message for message in caught if str(message["Subject"]).startswith(subject)]
