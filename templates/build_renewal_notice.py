"""Build `templates/avis_de_reconduction.docx`, the default notice of a tacit renewal that a
consumer client receives (Code de la consommation, art. L215-1).

Run: `.venv/bin/python templates/build_renewal_notice.py`

A docxtpl/Jinja document; each Jinja tag sits inside one run. The context it expects (all
strings): firm (name, address, siren), client (name, address), mission (name), period_end,
next_period_start, next_period_end, refuse_by (the last day to refuse the renewal),
notice_months, date.
"""

from __future__ import annotations

from pathlib import Path

# Run as a script, this folder is first on sys.path: the letter's builder sits beside it.
from build_default_letter import run_builder, save_template
from docx import Document
from docx.shared import Pt

OUTPUT = Path(__file__).resolve().with_name("avis_de_reconduction.docx")

PARAGRAPHS = [
    "{{ firm.name }}",
    "{{ firm.address }} — SIREN {{ firm.siren }}",
    "",
    "{{ client.name }}",
    "{{ client.address }}",
    "",
    "Le {{ date }}",
    "",
    "Objet : reconduction tacite de votre lettre de mission « {{ mission.name }} »",
    "",
    "Madame, Monsieur,",
    "",
    "Conformément à l'article L215-1 du Code de la consommation, nous vous informons que la "
    "mission que vous nous avez confiée arrive à son terme le {{ period_end }}. Sauf refus de "
    "votre part, elle sera reconduite tacitement pour une nouvelle période du "
    "{{ next_period_start }} au {{ next_period_end }}, aux mêmes conditions.",
    "",
    "Vous pouvez refuser cette reconduction en nous en informant au plus tard le "
    "{{ refuse_by }} (préavis de {{ notice_months }} mois), par lettre recommandée avec accusé "
    "de réception ou par tout autre écrit.",
    "",
    "À défaut de cette information dans les délais, vous pourriez mettre gratuitement un terme "
    "au contrat, à tout moment à compter de la date de reconduction (article L215-1, alinéa 2).",
    "",
    "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées.",
    "",
    "{{ firm.name }}",
]


def build(output: Path = OUTPUT) -> Path:
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Carlito"
    style.font.size = Pt(11)
    for text in PARAGRAPHS:
        document.add_paragraph().add_run(text)
    document.core_properties.title = "Avis de reconduction tacite"
    document.core_properties.author = "Sceau"
    return save_template(document, output)


if __name__ == "__main__":
    raise SystemExit(run_builder(build, OUTPUT))
