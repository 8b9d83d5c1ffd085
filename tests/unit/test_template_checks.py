"""An uploaded template's expressions are judged at upload, not on the day a letter is made."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError

from activities import letters
from contracts.errors import ErrorType
from contracts.messages import RenderInput
from documents.budget import Budget
from documents.rendering import TemplateError, render_docx
from documents.template_checks import check_template_expressions, private_names, sample_context
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


# ---------------------------------------------------------------- the template's budget

LOOPING = "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}"
GROWING = (
    "{% set ns = namespace(s='x') %}{% for i in range(64) %}"
    "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}"
)
# Passes with the sample client ("Client Exemple"), loops on a real one.
GUARDED = (
    "{% if client.name != 'Client Exemple' %}{% for i in range(10000) %}"
    "{% for j in range(10000) %}x{% endfor %}{% endfor %}{% endif %}{{ client.name }}"
)


def within(seconds: float) -> Callable[[], float]:
    started = time.monotonic()
    return lambda: time.monotonic() - started < seconds


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (LOOPING, "budget"),
        (GROWING, "too long"),
        ("{{ 'x' | center(1000000000) }}", "too large"),
        ("{{ '%1000000000d' | format(1) }}", "too large"),
        ("{{ '%1000000000d' % 1 }}", "too large"),
        ("{{ '{:>1000000000}'.format(1) }}", "too large"),
        ("{{ 'x'.ljust(1000000000) }}", "too large"),
        ("{{ range(10000) | join('x' * 50000) }}", "too long"),
        ("{{ ('x' * 50000).join(range(10000)) }}", "too long"),
        ("{{ ('x' * 100000) | replace('x', 'yy') }}", "too long"),
    ],
)
def test_a_template_over_budget_is_refused_at_upload_promptly(body: str, message: str) -> None:
    in_time = within(3)
    with pytest.raises(TemplateError, match=message):
        check_template_expressions(word_document(body))
    assert in_time()


def test_a_template_that_computes_too_long_is_stopped_by_its_cpu_budget() -> None:
    """Loops the sandbox does not count (over strings) meet the child process's CPU limit."""
    burner = "{% for i in 'x' * 100000 %}{% for j in 'x' * 100000 %}{% endfor %}{% endfor %}"
    in_time = within(4)
    with pytest.raises(TemplateError, match=r"budget.*computing"):
        render_docx(word_document(burner), sample_context(), Budget(cpu_seconds=1))
    assert in_time()
    # The next letter is rendered by a healthy process.
    assert render_docx(word_document("{{ client.name }}"), sample_context())


def test_a_template_guarded_by_the_sample_fails_at_render_time_without_retry(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    template = word_document(GUARDED)
    check_template_expressions(template)  # the upload check cannot see it
    context = sample_context()
    context["client"] = {**context["client"], "name": "Dupont SARL"}

    monkeypatch.setattr(letters, "load_letter_context", lambda request, blobs: (template, context))
    monkeypatch.setattr(letters, "scratch_path", lambda name: tmp_path / name)
    activities = letters.DocumentActivities(pool=None, blobs=None, settings=None)  # type: ignore[arg-type]
    request = RenderInput(
        mission_id="mis_x",
        version=1,
        template_id="tpl_x",
        letter_date="2027-01-01",
        firm_representative_id="stf_x",
        client_representative_id="rep_x",
        scratch_name="x.docx",
    )
    in_time = within(3)
    with pytest.raises(ApplicationError) as failure:
        activities.render_letter(request)
    assert in_time()
    assert failure.value.type == ErrorType.template_error
    assert failure.value.non_retryable
    assert "budget" in failure.value.message
