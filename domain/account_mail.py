"""The e-mails that let people into the pages: a client's sign-in link, a staff invitation.

Each message's idempotency key is its link's id: a retried send is the same message.
"""

from __future__ import annotations

from email.message import EmailMessage

from domain.mail import build_message
from domain.settings import Settings


class MailUnavailable(Exception):
    """The SMTP server could not take a message that the caller must know went out."""


def client_sign_in_message(
    settings: Settings,
    *,
    to: str,
    link_id: str,
    url: str,
    firm_name: str,
    client_name: str,
    minutes: int,
) -> EmailMessage:
    body = f"""Bonjour,

Pour accéder à votre espace client ({client_name}) chez {firm_name}, ouvrez ce lien :

{url}

Il est valable {minutes} minutes et ne sert qu'une fois. Si vous n'avez rien demandé,
ignorez ce message : personne ne peut se connecter sans ce lien.

{firm_name}
"""
    return build_message(
        settings,
        to=to,
        subject=f"Votre lien de connexion — {firm_name}",
        body=body,
        idempotency_key=f"sign-in-link:{link_id}",
    )


def staff_invitation_message(
    settings: Settings,
    *,
    to: str,
    link_id: str,
    url: str,
    firm_name: str,
    first_name: str,
    hours: int,
) -> EmailMessage:
    body = f"""Bonjour {first_name},

{firm_name} vous invite à utiliser Sceau, l'outil de ses lettres de mission.
Choisissez votre mot de passe en ouvrant ce lien :

{url}

Il est valable {hours} heures et ne sert qu'une fois.

{firm_name}
"""
    return build_message(
        settings,
        to=to,
        subject=f"Invitation à rejoindre {firm_name} sur Sceau",
        body=body,
        idempotency_key=f"staff-invitation:{link_id}",
    )
