"""Every timeline reason a workflow writes is shown in French on the pages.

The reasons are found by reading the workflows' sources: a new `_transition(..., "...")` with
no French in web/timeline.py fails here.
"""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from web.staff.labels import STATUS
from web.templating import environment
from web.timeline import timeline_reason
from workflows.amendments import ENDINGS

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"

# The calls whose last argument becomes a timeline entry's reason.
WRITERS = {"_transition", "_record_amendment", "_end_amendment", "_close_amendment"}

# A sample value for each expression the workflows put inside an f-string reason.
SAMPLES = {
    "version": "2",
    "ask.provider": "yousign",
    "created.tasks": "3",
    "created.information_requests": "2",
    "opened.tasks": "1",
    "opened.information_requests": "0",
    "amendment.effective_date": "2026-12-01",
    "termination.request.party": "client",
    "termination.effective_on": "2026-12-31",
    "answer.status": "expired",
}


def _literals(node: ast.expr) -> list[ast.Constant | ast.JoinedStr]:
    """The literal strings an expression may evaluate to (`x or "literal"` gives one)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node]
    if isinstance(node, ast.JoinedStr):
        return [node]
    if isinstance(node, ast.BoolOp):
        return [found for value in node.values for found in _literals(value)]
    return []  # a name or attribute: a person's or the provider's text, or covered below


def _sample(node: ast.Constant | ast.JoinedStr) -> str:
    if isinstance(node, ast.Constant):
        return str(node.value)
    parts = []
    for value in node.values:
        if isinstance(value, ast.FormattedValue):
            expression = ast.unparse(value.value)
            assert expression in SAMPLES, f"add a sample for {expression!r} in {__file__}"
            parts.append(SAMPLES[expression])
        else:
            assert isinstance(value, ast.Constant)
            parts.append(str(value.value))
    return "".join(parts)


def _reason_expressions(node: ast.AST) -> list[ast.expr]:
    """A writer's last argument, or the value given to a variable named `reason`."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return [node.args[-1]] if node.func.attr in WRITERS and node.args else []
    if isinstance(node, ast.Assign):
        named_reason = any(isinstance(t, ast.Name) and t.id == "reason" for t in node.targets)
        return [node.value] if named_reason else []
    return []


def workflow_reasons() -> list[str]:
    """Every literal reason in workflows/*.py: the writers' last argument, and the `reason`
    variables the workflows build before handing them on."""
    reasons: set[str] = set()
    for source in sorted(WORKFLOWS.glob("*.py")):
        tree = ast.parse(source.read_text(), filename=str(source))
        for node in ast.walk(tree):
            for expression in _reason_expressions(node):
                reasons.update(_sample(literal) for literal in _literals(expression))
    # `event.reason or status`: an amendment's ending falls back on its status.
    reasons.update(ENDINGS.values())
    return sorted(reasons)


def test_the_workflows_reasons_are_found() -> None:
    reasons = workflow_reasons()
    assert {"mission created", "letter version 2", "period ended"} <= set(reasons)
    assert len(reasons) >= 15


@pytest.mark.parametrize("reason", workflow_reasons())
def test_every_workflow_reason_has_french(reason: str) -> None:
    french = timeline_reason(reason)
    assert french != reason, f"no French for the workflow's reason {reason!r}"
    # An amendment's entry is the same reason after "avenant n° N : ".
    assert timeline_reason(f"avenant n° 1 : {reason}") == f"avenant n° 1 : {french}"


@pytest.mark.parametrize(
    ("english", "french"),
    [
        ("service request from the client", "demande de prestations du client"),
        ("mission created", "mission créée"),
        ("letter version 2", "lettre version 2"),
        ("sent to yousign", "envoyée pour signature (yousign)"),
        ("all signers signed", "signée par tous les signataires"),
        ("3 tasks and 2 information requests", "3 tâches et 2 demandes d'informations"),
        ("1 tasks and 0 information requests", "1 tâche et 0 demande d'informations"),
        ("no signature in time", "délai de signature dépassé"),
        ("period ended", "période terminée"),
        ("avenant n° 1 : letter version 1", "avenant n° 1 : lettre version 1"),
        (
            "avenant n° 2 : all signers signed: the new lines from 2026-12-01",
            "avenant n° 2 : signée par tous les signataires : nouvelles lignes à partir du "
            "01/12/2026",
        ),
        ("terminated by the firm on 2026-12-31", "résiliée par le cabinet le 31/12/2026"),
        (
            "expired, as the provider reported when asked",
            "expirée, d'après le prestataire de signature interrogé",
        ),
    ],
)
def test_known_reasons_read_in_french(english: str, french: str) -> None:
    assert timeline_reason(english) == french


@pytest.mark.parametrize(
    "typed",
    [
        "Le client a changé d'avis",
        "avenant n° 1 : le client préfère attendre",
        "avenant n° 1 en projet, effet le 2026-12-01",
        "reconduction tacite du 2027-01-01 au 2027-12-31",
        "",
    ],
)
def test_text_a_person_typed_is_shown_as_typed(typed: str) -> None:
    assert timeline_reason(typed) == typed


def test_the_mission_page_shows_the_reasons_in_french() -> None:
    at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    mission = {
        "id": "m1",
        "status": "letter_generated",
        "signature": None,
        "timeline": [
            {"status": "draft", "at": at, "by": "", "reason": "mission created"},
            {"status": "cancelled", "at": at, "by": "", "reason": "<b>trop cher</b>"},
        ],
    }
    html = environment.get_template("staff/_mission_live.html").render(
        m=mission, live=False, status_label=STATUS, people={}, work_opens_on=None
    )
    assert "mission créée" in html
    assert "mission created" not in html
    assert "&lt;b&gt;trop cher&lt;/b&gt;" in html
