"""The French text of each e-mail, as its recipient reads it."""

from __future__ import annotations

import pytest

from contracts.mail import MailInput, MailKind, mail_key
from domain.mail_messages import compose

PUBLIC = "https://sceau.cabinet-exemple.fr"
SIGNING_LINK = "http://127.0.0.1:8100/signer/4f1c?signer_id=9a2b"


def mail(kind: MailKind, **facts: object) -> MailInput:
    values: dict[str, object] = {
        "idempotency_key": mail_key(kind, "m1"),
        "kind": kind,
        "to_email": "emilie.dupont@eclair.example.fr",
        "to_name": "Émilie Dupont",
        "firm_name": "Cabinet Martin & Associés",
        "client_name": "Boulangerie Éclair",
        "mission_id": "mis_1",
        "mission_name": "Tenue comptable 2027",
    }
    values.update(facts)
    return MailInput(**values)  # type: ignore[arg-type]


def test_an_amendment_to_sign_is_named_as_such() -> None:
    text = compose(mail(MailKind.letter_to_sign, link=SIGNING_LINK, amendment_number=2), PUBLIC)
    assert text.subject == "Avenant n° 2 à signer : Tenue comptable 2027"
    assert "vous invite à signer l'avenant n° 2 à la lettre de mission « Tenue" in text.body


def test_a_declined_or_expired_amendment_is_named_as_such_and_the_mission_goes_on() -> None:
    declined = compose(
        mail(MailKind.letter_declined, link="/app/missions/m1", amendment_number=1), PUBLIC
    )
    assert declined.subject.startswith("Avenant n° 1 refusé : ")
    assert "a refusé de signer l'avenant n° 1 à la lettre de mission « Tenue" in declined.body
    expired = compose(
        mail(MailKind.letter_expired, link="/app/missions/m1", amendment_number=1), PUBLIC
    )
    assert expired.subject.startswith("Avenant n° 1 expiré : ")
    assert "L'avenant n° 1 à la lettre de mission « Tenue" in expired.body
    assert "n'a pas été signé à temps" in expired.body
    assert "La mission continue selon ses conditions actuelles" in expired.body


def test_a_letter_to_sign_gives_the_signing_link_and_its_last_day() -> None:
    text = compose(
        mail(MailKind.letter_to_sign, link=SIGNING_LINK, expires_on="2027-01-29T10:00:00+00:00"),
        PUBLIC,
    )
    assert text.subject == "Lettre de mission à signer : Tenue comptable 2027"
    assert text.body == (
        "Bonjour Émilie Dupont,\n\n"
        "Cabinet Martin & Associés vous invite à signer la lettre de mission "
        "« Tenue comptable 2027 » (Boulangerie Éclair).\n\n"
        f"Pour la lire et la signer, ouvrez ce lien :\n{SIGNING_LINK}\n\n"
        "Ce lien vous est personnel : ne le transférez pas. "
        "Il est valable jusqu'au 29/01/2027 inclus.\n\n"
        "Si vous ne souhaitez pas signer, vous pouvez refuser depuis la même page en "
        "indiquant votre motif.\n\n"
        "Cordialement,\nCabinet Martin & Associés\n\n"
        "Ce message vous est envoyé automatiquement par Sceau ; merci de ne pas y répondre.\n"
    )


def test_a_shared_document_points_to_the_client_space() -> None:
    text = compose(
        mail(MailKind.document_shared, document_name="Bilan 2026.pdf", link="/client/documents"),
        PUBLIC,
    )
    assert text.subject == "Nouveau document disponible : Bilan 2026.pdf"
    assert (
        "Cabinet Martin & Associés a partagé un nouveau document avec vous : « Bilan 2026.pdf »."
        in text.body
    )
    assert f"Vous le trouverez dans votre espace client :\n{PUBLIC}/client/documents\n" in text.body
    assert text.body.startswith("Bonjour Émilie Dupont,\n\n")


def test_an_information_request_says_what_and_by_when() -> None:
    text = compose(
        mail(
            MailKind.information_request,
            to_name="",
            title="Relevés bancaires de décembre",
            due_date="2027-01-15",
            link="/client/information-requests",
        ),
        PUBLIC,
    )
    assert text.subject == "Nouvelle demande d'informations : Relevés bancaires de décembre"
    assert text.body.startswith("Bonjour,\n\n")
    assert (
        "Cabinet Martin & Associés a besoin d'informations de votre part pour la mission "
        "« Tenue comptable 2027 » :\n« Relevés bancaires de décembre »"
    ) in text.body
    assert "À transmettre au plus tard le 15/01/2027." in text.body
    assert f"{PUBLIC}/client/information-requests" in text.body


def test_staff_hear_of_a_new_request_with_its_services_and_message() -> None:
    text = compose(
        mail(
            MailKind.service_request,
            to_name="Paul Martin",
            services=["Tenue comptable", "Bilan annuel"],
            message="Nous ouvrons un second magasin.\nMerci !",
            link="/app/service-requests/req_1",
        ),
        PUBLIC,
    )
    assert text.subject == "Nouvelle demande de prestation : Boulangerie Éclair"
    assert (
        "Boulangerie Éclair demande depuis son espace client les prestations suivantes :\n"
        "- Tenue comptable\n- Bilan annuel"
    ) in text.body
    assert "Son message :\n« Nous ouvrons un second magasin.\nMerci ! »" in text.body
    assert (
        f"Examinez la demande et créez la mission :\n{PUBLIC}/app/service-requests/req_1"
        in text.body
    )


def test_staff_hear_of_a_declined_letter_and_why() -> None:
    text = compose(
        mail(
            MailKind.letter_declined,
            to_name="Paul Martin",
            signer_name="Émilie Dupont",
            reason="Le tarif ne convient pas.",
            link="/app/missions/mis_1",
        ),
        PUBLIC,
    )
    assert text.subject == "Lettre de mission refusée : Boulangerie Éclair — Tenue comptable 2027"
    assert (
        "Émilie Dupont a refusé de signer la lettre de mission « Tenue comptable 2027 » "
        "de Boulangerie Éclair."
    ) in text.body
    assert "Motif indiqué :\n« Le tarif ne convient pas. »" in text.body
    assert f"Voir la mission :\n{PUBLIC}/app/missions/mis_1" in text.body
    without = compose(mail(MailKind.letter_declined, link="/app/missions/mis_1"), PUBLIC)
    assert "Un signataire a refusé de signer" in without.body
    assert "Aucun motif n'a été indiqué." in without.body


def test_staff_hear_of_an_expired_letter() -> None:
    text = compose(
        mail(MailKind.letter_expired, expires_on="2027-01-29", link="/app/missions/mis_1"),
        PUBLIC,
    )
    assert text.subject == "Lettre de mission expirée : Boulangerie Éclair — Tenue comptable 2027"
    assert (
        "La lettre de mission « Tenue comptable 2027 » de Boulangerie Éclair n'a pas été "
        "signée à temps : la demande de signature a expiré le 29/01/2027."
    ) in text.body


def test_a_fact_with_line_breaks_stays_on_its_line_in_the_subject() -> None:
    text = compose(
        mail(MailKind.letter_to_sign, mission_name="Tenue\r\nBcc: x@y.z", link=SIGNING_LINK),
        PUBLIC,
    )
    assert text.subject == "Lettre de mission à signer : Tenue Bcc: x@y.z"
    assert "\n" not in text.subject and "\r" not in text.subject


@pytest.mark.parametrize(
    ("kind", "facts"),
    [
        (MailKind.letter_to_sign, {"link": ""}),
        (MailKind.document_shared, {"link": "/client/documents"}),  # no document name
        (MailKind.information_request, {"title": "", "link": "/client"}),
        (MailKind.letter_to_sign, {"link": "javascript:alert(1)"}),
        ("newsletter", {"link": "/client"}),
    ],
)
def test_a_message_without_what_it_needs_is_refused(kind: str, facts: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        compose(mail(kind, **facts), PUBLIC)  # type: ignore[arg-type]


def test_keys_name_the_occurrence_and_are_bounded() -> None:
    assert mail_key(MailKind.letter_to_sign, "mis_1", "v2", "client") == (
        "mail:letter_to_sign:mis_1:v2:client"
    )
    with pytest.raises(ValueError):
        mail_key(MailKind.document_shared, "x" * 300)


def test_several_information_requests_come_in_one_message() -> None:
    items = [
        "Relevés bancaires (01/2027) — avant le 31/01/2027",
        "Inventaire — avant le 31/12/2027",
    ]
    text = compose(
        mail(MailKind.information_request, items=items, link="/client/information-requests"),
        PUBLIC,
    )
    assert text.subject == "2 demandes d'informations de Cabinet Martin & Associés"
    assert (
        "a besoin d'informations de votre part pour la mission « Tenue comptable 2027 » :\n"
        "- Relevés bancaires (01/2027) — avant le 31/01/2027\n"
        "- Inventaire — avant le 31/12/2027\n\n"
    ) in text.body
    one = compose(
        mail(MailKind.information_request, items=items[:1], link="/client/information-requests"),
        PUBLIC,
    )
    assert one.subject == "Nouvelle demande d'informations : " + items[0]


def test_a_renewal_notice_says_until_when_the_consumer_may_refuse() -> None:
    text = compose(
        mail(
            MailKind.renewal_notice,
            link="/client/documents",
            period_end="2027-12-31",
            next_period_start="2028-01-01",
            next_period_end="2028-12-31",
            refuse_by="2027-09-30",
        ),
        PUBLIC,
    )
    assert text.subject == "Reconduction de votre mission : Tenue comptable 2027"
    assert (
        "arrive à son terme le 31/12/2027. Sauf refus de votre part, elle sera reconduite "
        "tacitement pour la période du 01/01/2028 au 31/12/2028."
    ) in text.body
    assert "au plus tard le 30/09/2027 (article L215-1 du Code de la consommation)" in text.body
    assert f"espace client :\n{PUBLIC}/client/documents\n" in text.body
    with pytest.raises(ValueError):
        compose(mail(MailKind.renewal_notice, link="/client/documents"), PUBLIC)
