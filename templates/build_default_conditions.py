"""Build `templates/conditions_generales.docx`, Sceau's default general conditions.

Run: `.venv/bin/python templates/build_default_conditions.py`

The conditions générales d'intervention (CGI) that the default letter says are attached: they
are rendered with the letter's values (a docxtpl/Jinja document, like the letter, so they name
the firm and its regional council) and appended to each letter as the same PDF/A, numbered
through (documents/conditions.py). A firm may upload its own instead
(`PUT /v1/general-conditions`). Styles and page set-up are the letter's, so the appended
pages look like the letter's.

The text is plain French, written for Sceau from the texts it cites: ordonnance n° 45-2138
(professional secrecy, insurance), décret n° 2012-432 (conciliation by the Ordre), the GDPR
and loi n° 78-17, the Code de commerce (late-payment penalties, the 40 € recovery fee), the
Code de la consommation (tacit renewal notice, consumer mediation).
"""

from __future__ import annotations

from pathlib import Path

# Run as a script, this folder is first on sys.path: the letter's builder sits beside it, and
# the conditions share its styles, page and helpers.
from build_default_letter import (
    ACCENT,
    GREY,
    bullets,
    heading,
    new_document,
    paragraph,
    run_builder,
    save_template,
)
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

OUTPUT = Path(__file__).resolve().with_name("conditions_generales.docx")

# Each section: a heading, then paragraphs; a list item is a bullet. Only the firm's values
# are merged (the conditions do not depend on the mission).
SECTIONS: list[tuple[str, list[str | list[str]]]] = [
    (
        "1. Objet",
        [
            "Les présentes conditions générales d'intervention s'appliquent aux missions "
            "confiées au cabinet {{ firm.name }} ({{ firm.legal_form }}, SIREN {{ firm.siren }}), "
            "inscrit au tableau de l'Ordre des experts-comptables, conseil régional "
            "{{ firm.ordre_council }}. Elles sont jointes à la lettre de mission et en font "
            "partie intégrante. En cas de contradiction, la lettre de mission prévaut.",
        ],
    ),
    (
        "2. Responsabilité et assurance",
        [
            "Le cabinet exécute sa mission conformément aux normes professionnelles de l'Ordre "
            "des experts-comptables. Il est tenu d'une obligation de moyens, non de résultat.",
            "Le cabinet n'est pas responsable des conséquences d'informations ou de documents "
            "inexacts, incomplets ou remis tardivement par le client, ni des décisions de "
            "gestion que le client prend seul. Sa mission ne comporte pas la recherche "
            "systématique des fraudes ou des erreurs.",
            "Conformément à l'article 17 de l'ordonnance n° 45-2138 du 19 septembre 1945, le "
            "cabinet est couvert par une assurance de responsabilité civile professionnelle. "
            "Le nom de l'assureur et l'étendue géographique de la garantie sont communiqués au "
            "client sur simple demande.",
        ],
    ),
    (
        "3. Secret professionnel",
        [
            "Le cabinet, ses associés et ses collaborateurs sont tenus au secret professionnel "
            "(article 21 de l'ordonnance n° 45-2138 et article 226-13 du Code pénal) pour tout "
            "ce qu'ils apprennent à l'occasion de la mission.",
            "Ce secret ne s'oppose pas aux communications que la loi impose, notamment la "
            "déclaration de soupçon à Tracfin au titre de la lutte contre le blanchiment des "
            "capitaux et le financement du terrorisme, ni aux demandes des autorités agissant "
            "dans le cadre de leurs pouvoirs légaux. Le client peut délier le cabinet du secret "
            "par écrit, au profit de tiers qu'il désigne.",
        ],
    ),
    (
        "4. Données personnelles",
        [
            "Le cabinet traite les données personnelles du client, de ses dirigeants et, le cas "
            "échéant, de ses salariés, conformément au règlement (UE) 2016/679 (RGPD) et à la "
            "loi n° 78-17 du 6 janvier 1978 modifiée.",
            [
                "Pour la gestion de la relation avec le client et ses obligations légales "
                "(identification au titre de la lutte contre le blanchiment, facturation, "
                "conservation des dossiers), le cabinet est responsable du traitement.",
                "Pour les données que le client lui confie afin d'exécuter la mission (par "
                "exemple les données de paie de ses salariés), le cabinet agit en qualité de "
                "sous-traitant au sens de l'article 28 du RGPD : il ne les traite que sur les "
                "instructions du client et pour la mission, en assure la sécurité et la "
                "confidentialité, et les restitue ou les détruit à la fin de la mission.",
                "Les données sont conservées pendant la durée de la mission, puis pendant les "
                "délais de prescription et de conservation légaux (cinq ans après la fin de la "
                "relation pour les pièces d'identification, article L. 561-12 du Code "
                "monétaire et financier).",
            ],
            "Les personnes concernées disposent d'un droit d'accès, de rectification, "
            "d'effacement, de limitation, d'opposition et de portabilité, qu'elles exercent "
            "auprès du cabinet ({{ firm.address }}). Elles peuvent introduire une réclamation "
            "auprès de la Commission nationale de l'informatique et des libertés (CNIL).",
        ],
    ),
    (
        "5. Obligations du client",
        [
            "Le client s'engage à :",
            [
                "remettre au cabinet, dans les délais convenus, des documents et informations "
                "complets et exacts, et à conserver les pièces originales ;",
                "informer le cabinet sans délai de tout fait nouveau ou exceptionnel, de toute "
                "modification de sa situation ou de son activité, et des engagements qu'il "
                "prend ;",
                "fournir les pièces d'identification demandées au titre de la lutte contre le "
                "blanchiment des capitaux, et les mettre à jour ;",
                "porter à la connaissance du cabinet les contrôles, litiges ou procédures "
                "dont il fait l'objet ;",
                "confirmer par écrit, si le cabinet le lui demande, que les documents remis "
                "sont complets et qu'aucun fait significatif n'a été omis.",
            ],
            "Les délais de la mission supposent que le client respecte ces obligations ; le "
            "cabinet n'est pas responsable d'un retard qui résulte de leur inexécution.",
        ],
    ),
    (
        "6. Honoraires et retards de paiement",
        [
            "Les honoraires sont ceux de la lettre de mission. Ils sont facturés au rythme "
            "qu'elle indique et payables à réception de la facture, au plus tard trente jours "
            "après sa date. Les travaux non prévus par la lettre de mission font l'objet d'un "
            "accord préalable et sont facturés en sus.",
            "Tout retard de paiement entraîne de plein droit, sans rappel préalable, des "
            "pénalités de retard au taux d'intérêt appliqué par la Banque centrale européenne "
            "à son opération de refinancement la plus récente, majoré de dix points "
            "(article L. 441-10 du Code de commerce), et, pour un client professionnel, une "
            "indemnité forfaitaire pour frais de recouvrement de 40 € (article D. 441-5 du Code "
            "de commerce). Si les frais de recouvrement exposés sont supérieurs, une "
            "indemnité complémentaire peut être demandée sur justification.",
            "Après une mise en demeure restée sans effet pendant quinze jours, le cabinet peut "
            "suspendre ses travaux jusqu'au paiement, en en informant le client par écrit et "
            "sans que cette suspension puisse lui être reprochée.",
        ],
    ),
    (
        "7. Durée et résiliation",
        [
            "La mission court pour la durée prévue par la lettre de mission et se renouvelle "
            "par tacite reconduction pour une même durée, sauf si l'une des parties y met fin "
            "par lettre recommandée avec avis de réception au moins trois mois avant la fin de "
            "la période en cours.",
            "Lorsque le client est un consommateur, le cabinet l'informe par écrit, au plus tôt "
            "trois mois et au plus tard un mois avant la fin du délai pour refuser la "
            "reconduction, de la possibilité de ne pas reconduire le contrat "
            "(article L. 215-1 du Code de la consommation).",
            "En cas de manquement grave de l'une des parties à ses obligations, l'autre peut "
            "résilier la mission par lettre recommandée avec avis de réception, trente jours "
            "après une mise en demeure restée sans effet. Le cabinet peut aussi mettre fin à "
            "la mission si survient une circonstance de nature à compromettre son "
            "indépendance ou le respect de ses règles professionnelles, sans toutefois le "
            "faire à contretemps.",
            "Dans tous les cas, les honoraires des travaux réalisés jusqu'à la date d'effet de "
            "la résiliation restent dus, et le cabinet restitue au client les documents qui "
            "lui appartiennent.",
        ],
    ),
    (
        "8. Litiges et médiation",
        [
            "En cas de différend sur l'exécution de la mission ou sur les honoraires, les "
            "parties recherchent d'abord une solution amiable. À défaut, elles peuvent saisir "
            "le président du conseil régional de l'Ordre des experts-comptables "
            "({{ firm.ordre_council }}) aux fins de conciliation ou d'arbitrage, avant toute "
            "action en justice (article 160 du décret n° 2012-432 du 30 mars 2012).",
            "Le client consommateur peut en outre recourir gratuitement au médiateur de la "
            "consommation dont relève le cabinet (articles L. 612-1 et suivants du Code de la "
            "consommation), dont le cabinet lui communique les coordonnées sur simple "
            "demande.",
            "La mission est soumise au droit français. À défaut d'accord, le litige est porté "
            "devant les juridictions compétentes ; entre professionnels, devant celles du "
            "ressort du siège du cabinet.",
        ],
    ),
]


def build(output: Path = OUTPUT) -> Path:
    document = new_document(
        "Conditions générales d'intervention",
        "Conditions générales d'intervention du cabinet",
        "conditions générales",
    )

    paragraph(
        document,
        ("Conditions générales d'intervention", True),
        size=Pt(15),
        color=ACCENT,
        space_after=Pt(1),
    )
    paragraph(
        document,
        "{{ firm.name }} — {{ firm.legal_form }} d'expertise comptable — {{ firm.address }}",
        color=GREY,
        space_after=Pt(10),
    )
    for title, blocks in SECTIONS:
        heading(document, title)
        for block in blocks:
            if isinstance(block, list):
                bullets(document, block)
            else:
                paragraph(document, block, align=WD_ALIGN_PARAGRAPH.JUSTIFY)

    return save_template(document, output)


if __name__ == "__main__":
    raise SystemExit(run_builder(build, OUTPUT))
