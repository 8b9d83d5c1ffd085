"""An uploaded template's expressions are judged at upload, not on the day a letter is made."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import docx
import pytest

from activities.rendering import TemplateError
from activities.template_checks import check_template_expressions, private_names

DEFAULT_TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "lettre_de_mission.docx"


def template(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def test_the_default_template_passes() -> None:
    check_template_expressions(DEFAULT_TEMPLATE.read_bytes())


def test_a_template_using_every_provided_value_passes() -> None:
    check_template_expressions(
        template(
            "{{ firm.name }} {{ client.name }} {{ client_representative.full_name }}",
            "{% for line in lines %}{{ line.name }} {{ line.yearly_amount }}{% endfor %}",
            "{{ totals.incl_vat }} {{ mission.period_start }} {{ letter.date }}",
            "{{ client.fax | default('') }}",
        )
    )


@pytest.mark.parametrize(
    "expression",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ client.__init__.__globals__ }}",
        "{% if false %}{{ firm.__class__ }}{% endif %}",  # a branch a sample never takes
        "{{ client | attr('__class__') }}",
        "{{ client['__class__'] }}",
        "{{ cycler.__init__.__globals__.os.system('id') }}",
    ],
)
def test_private_attributes_are_refused_wherever_they_are(expression: str) -> None:
    with pytest.raises(TemplateError, match="internal attributes"):
        check_template_expressions(template("Bonjour {{ client.name }}", expression))


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("{{ lines.append(1) }}", "unsafe"),
        ("{{ 'x' * 1000000000 }}", "too long"),
        ("{{ 2 ** 100000000 }}", "too large"),
        ("{{ client.fax }}", "does not provide"),
        ("{{ range(10**9) | list }}", "Range too big"),
    ],
)
def test_what_the_sandbox_refuses_is_refused_at_upload(expression: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        check_template_expressions(template(expression))


def test_plain_underscores_in_text_are_not_expressions() -> None:
    assert private_names(template("Référence _A_ {{ client.name }} __init__")) == []
