"""The French text of each e-mail Sceau sends: a subject and a plain-text body per kind.

Pure functions of the message's facts (contracts/mail.py): no database, no network, so each
text is checked by a unit test. A fact a message cannot do without (the signing link, the
recipient's address) missing is a ValueError, which the activity reports as bad input.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from contracts.mail import MailInput, MailKind

AUTOMATIC = "Ce message vous est envoyé automatiquement par Sceau ; merci de ne pas y répondre."


@dataclass(frozen=True)
class MailText:
    subject: str
    body: str


def one_line(value: str) -> str:
    """A fact as it may stand in a subject or a sentence: no line breaks, no doubled spaces."""
    return re.sub(r"\s+", " ", value).strip()


def french_date(iso: str) -> str:
    """``2027-03-31`` (or a full ISO time) as ``31/03/2027``; empty stays empty."""
    if not iso:
        return ""
    try:
        day = date.fromisoformat(iso[:10])
    except ValueError:
        day = datetime.fromisoformat(iso).date()
    return day.strftime("%d/%m/%Y")


def greeting(mail: MailInput) -> str:
    name = one_line(mail.to_name)
    return f"Bonjour {name}," if name else "Bonjour,"


def sender(mail: MailInput) -> str:
    return one_line(mail.firm_name) or "Votre cabinet"


def require(mail: MailInput, *names: str) -> None:
    missing = [name for name in names if not getattr(mail, name)]
    if missing:
        raise ValueError(f"a {mail.kind} e-mail needs {', '.join(missing)}")


def body(*paragraphs: str) -> str:
    """Paragraphs separated by a blank line, those left empty dropped, a final newline."""
    return "\n\n".join(p for p in paragraphs if p) + "\n"


def letter_names(mail: MailInput) -> tuple[str, str]:
    """What the message is about, as a subject starts and as a sentence says it: the letter,
    or an amendment to it (its signature request is the letter's, numbered -N)."""
    if mail.amendment_number:
        number = mail.amendment_number
        return f"Avenant n° {number}", f"l'avenant n° {number} à la lettre de mission"
    return "Lettre de mission", "la lettre de mission"


def letter_to_sign(mail: MailInput, link: str) -> MailText:
    require(mail, "mission_name", "link")
    mission, firm = one_line(mail.mission_name), sender(mail)
    client = one_line(mail.client_name)
    title, what = letter_names(mail)
    about = f"{what} « {mission} »" + (f" ({client})" if client else "")
    until = french_date(mail.expires_on)
    return MailText(
        subject=f"{title} à signer : {mission}",
        body=body(
            greeting(mail),
            f"{firm} vous invite à signer {about}.",
            f"Pour la lire et la signer, ouvrez ce lien :\n{link}",
            "Ce lien vous est personnel : ne le transférez pas."
            + (f" Il est valable jusqu'au {until} inclus." if until else ""),
            "Si vous ne souhaitez pas signer, vous pouvez refuser depuis la même page en "
            "indiquant votre motif.",
            f"Cordialement,\n{firm}",
            AUTOMATIC,
        ),
    )


def document_shared(mail: MailInput, link: str) -> MailText:
    require(mail, "document_name", "link")
    document, firm = one_line(mail.document_name), sender(mail)
    return MailText(
        subject=f"Nouveau document disponible : {document}",
        body=body(
            greeting(mail),
            f"{firm} a partagé un nouveau document avec vous : « {document} ».",
            f"Vous le trouverez dans votre espace client :\n{link}",
            f"Cordialement,\n{firm}",
            AUTOMATIC,
        ),
    )


def information_request(mail: MailInput, link: str) -> MailText:
    if not mail.items:
        require(mail, "title")
    require(mail, "link")
    firm, mission = sender(mail), one_line(mail.mission_name)
    for_mission = f" pour la mission « {mission} »" if mission else ""
    if mail.items:
        subject = f"{len(mail.items)} demandes d'informations de {firm}"
        if len(mail.items) == 1:
            subject = f"Nouvelle demande d'informations : {one_line(mail.items[0])}"
        asked = "\n".join(f"- {one_line(item)}" for item in mail.items)
        due = ""
    else:
        title = one_line(mail.title)
        subject = f"Nouvelle demande d'informations : {title}"
        asked, due = f"« {title} »", french_date(mail.due_date)
    return MailText(
        subject=subject,
        body=body(
            greeting(mail),
            f"{firm} a besoin d'informations de votre part{for_mission} :\n{asked}",
            f"À transmettre au plus tard le {due}." if due else "",
            f"Répondez depuis votre espace client, avec vos fichiers le cas échéant :\n{link}",
            f"Cordialement,\n{firm}",
            AUTOMATIC,
        ),
    )


def service_request(mail: MailInput, link: str) -> MailText:
    require(mail, "client_name", "link")
    client = one_line(mail.client_name)
    services = "\n".join(f"- {one_line(s)}" for s in mail.services) or "- (aucune précisée)"
    message = mail.message.strip()
    return MailText(
        subject=f"Nouvelle demande de prestation : {client}",
        body=body(
            greeting(mail),
            f"{client} demande depuis son espace client les prestations suivantes :\n{services}",
            f"Son message :\n« {message} »" if message else "",
            f"Examinez la demande et créez la mission :\n{link}",
            AUTOMATIC,
        ),
    )


def letter_declined(mail: MailInput, link: str) -> MailText:
    require(mail, "mission_name", "link")
    mission, client = one_line(mail.mission_name), one_line(mail.client_name)
    title, what = letter_names(mail)
    who = one_line(mail.signer_name) or "Un signataire"
    reason = mail.reason.strip()
    return MailText(
        subject=f"{title} refusé{'' if mail.amendment_number else 'e'} : "
        f"{client + ' — ' if client else ''}{mission}",
        body=body(
            greeting(mail),
            f"{who} a refusé de signer {what} « {mission} »"
            + (f" de {client}" if client else "")
            + ".",
            f"Motif indiqué :\n« {reason} »" if reason else "Aucun motif n'a été indiqué.",
            f"Voir la mission :\n{link}",
            AUTOMATIC,
        ),
    )


def letter_expired(mail: MailInput, link: str) -> MailText:
    require(mail, "mission_name", "link")
    mission, client = one_line(mail.mission_name), one_line(mail.client_name)
    title, what = letter_names(mail)
    until = french_date(mail.expires_on)
    after = (
        "La mission continue selon ses conditions actuelles ; pour proposer ces changements "
        "de nouveau, préparez un nouvel avenant."
        if mail.amendment_number
        else "La mission est close sans signature ; pour la proposer de nouveau, créez une "
        "nouvelle mission pour ce client."
    )
    return MailText(
        subject=f"{title} expiré{'' if mail.amendment_number else 'e'} : "
        f"{client + ' — ' if client else ''}{mission}",
        body=body(
            greeting(mail),
            f"{what[0].upper()}{what[1:]} « {mission} »"
            + (f" de {client}" if client else "")
            + " n'a pas été signé"
            + ("" if mail.amendment_number else "e")
            + " à temps : la demande de signature a expiré"
            + (f" le {until}" if until else "")
            + ".",
            after,
            f"Voir la mission :\n{link}",
            AUTOMATIC,
        ),
    )


def renewal_notice(mail: MailInput, link: str) -> MailText:
    require(mail, "mission_name", "period_end", "next_period_start", "next_period_end")
    require(mail, "refuse_by", "link")
    mission, firm = one_line(mail.mission_name), sender(mail)
    return MailText(
        subject=f"Reconduction de votre mission : {mission}",
        body=body(
            greeting(mail),
            f"Votre mission « {mission} » arrive à son terme le {french_date(mail.period_end)}. "
            "Sauf refus de votre part, elle sera reconduite tacitement pour la période du "
            f"{french_date(mail.next_period_start)} au {french_date(mail.next_period_end)}.",
            "Vous pouvez refuser cette reconduction en nous le faisant savoir au plus tard le "
            f"{french_date(mail.refuse_by)} (article L215-1 du Code de la consommation).",
            f"L'avis de reconduction est dans votre espace client :\n{link}",
            f"Cordialement,\n{firm}",
            AUTOMATIC,
        ),
    )


BUILDERS: dict[str, Callable[[MailInput, str], MailText]] = {
    MailKind.letter_to_sign: letter_to_sign,
    MailKind.document_shared: document_shared,
    MailKind.information_request: information_request,
    MailKind.service_request: service_request,
    MailKind.letter_declined: letter_declined,
    MailKind.letter_expired: letter_expired,
    MailKind.renewal_notice: renewal_notice,
}


def compose(mail: MailInput, public_url: str) -> MailText:
    """The message's text; a ``link`` given as a path is joined to ``public_url``."""
    builder = BUILDERS.get(mail.kind)
    if builder is None:
        raise ValueError(f"unknown kind of e-mail {mail.kind!r}")
    link = mail.link.strip()
    if link.startswith("/"):
        link = public_url.rstrip("/") + link
    if link and not link.startswith(("http://", "https://")):
        raise ValueError(f"a link is a path of Sceau's pages or an http(s) URL, not {link!r}")
    return builder(mail, link)
