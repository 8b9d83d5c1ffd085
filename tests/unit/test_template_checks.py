"""An uploaded template's expressions are judged at upload, not on the day a letter is made."""

from __future__ import annotations

import pytest

from documents.rendering import TemplateError
from documents.template_checks import check_template_expressions, private_names
from domain.letter_templates import DEFAULT_TEMPLATE_PATH
from tests.documents import word_document


def test_the_default_template_passes() -> None:
    check_template_expressions(DEFAULT_TEMPLATE_PATH.read_bytes())


def test_a_template_using_every_provided_value_passes() -> None:
    check_template_expressions(
        word_document(
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
        check_template_expressions(word_document("Bonjour {{ client.name }}", expression))


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
        check_template_expressions(word_document(expression))


def test_plain_underscores_in_text_are_not_expressions() -> None:
    assert private_names(word_document("Référence _A_ {{ client.name }} __init__")) == []
