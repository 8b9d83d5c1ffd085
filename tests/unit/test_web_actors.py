"""Every system actor the workflows and activities write is shown in French on the pages.

The actors are found by reading the sources: a new literal `by` (a writer's second argument,
a `by=`/`actor=` keyword, a `by` parameter's default, or a variable handed on as one) with no
French in web/actors.py fails here.
"""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from web.actors import actor, person_or_actor
from web.staff.labels import STATUS
from web.templating import environment

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*(ROOT / "workflows").glob("*.py"), *(ROOT / "activities").glob("*.py")])

# The calls whose second argument becomes a timeline entry's `by`.
WRITERS = {"_transition", "_record_amendment", "_end_amendment"}
KEYWORDS = {"by", "actor"}


def _literals(node: ast.expr, assigned: dict[str, list[ast.expr]]) -> set[str]:
    """The literal strings an expression may evaluate to: `x or "sceau"`, `"a" if c else "b"`,
    and a local name through what is assigned to it in the module."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.BoolOp):
        return {found for value in node.values for found in _literals(value, assigned)}
    if isinstance(node, ast.IfExp):
        return _literals(node.body, assigned) | _literals(node.orelse, assigned)
    if isinstance(node, ast.Name):
        return {found for value in assigned.get(node.id, []) for found in _literals(value, {})}
    return set()  # an attribute: a person's id from a message


def _by_expressions(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Call):
        found = [kw.value for kw in node.keywords if kw.arg in KEYWORDS]
        if isinstance(node.func, ast.Attribute) and node.func.attr in WRITERS:
            found += node.args[1:2]
        return found
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        arguments = node.args.args
        defaults = dict(
            zip(
                arguments[len(arguments) - len(node.args.defaults) :],
                node.args.defaults,
                strict=True,
            )
        )
        return [default for argument, default in defaults.items() if argument.arg == "by"]
    return []


def written_actors() -> list[str]:
    """Every literal actor in workflows/*.py and activities/*.py."""
    actors: set[str] = set()
    for source in SOURCES:
        tree = ast.parse(source.read_text(), filename=str(source))
        assigned: dict[str, list[ast.expr]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, []).append(node.value)
        for node in ast.walk(tree):
            for expression in _by_expressions(node):
                actors.update(_literals(expression, assigned))
    return sorted(actors)


def test_the_written_actors_are_found() -> None:
    assert {"sceau", "signers", "signer", "provider"} <= set(written_actors())


@pytest.mark.parametrize("name", written_actors())
def test_every_written_actor_has_french(name: str) -> None:
    assert actor(name) != name, f"no French for the actor {name!r} (web/actors.py)"


@pytest.mark.parametrize(
    ("written", "french"),
    [
        ("sceau", "Sceau"),
        ("signers", "les signataires"),
        ("signer", "un signataire"),
        ("provider", "le prestataire de signature"),
        ("client", "le client"),
        ("firm", "le cabinet"),
        ("stf_unknown", "stf_unknown"),
        ("", ""),
    ],
)
def test_actors_read_in_french(written: str, french: str) -> None:
    assert actor(written) == french


def test_a_person_keeps_their_name() -> None:
    assert person_or_actor("stf_1", {"stf_1": "Anne Martin"}) == "Anne Martin"
    assert person_or_actor("sceau", {"stf_1": "Anne Martin"}) == "Sceau"


def test_the_mission_page_shows_the_actors_in_french() -> None:
    at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    mission = {
        "id": "m1",
        "status": "signed",
        "signature": None,
        "timeline": [
            {"status": "draft", "at": at, "by": "stf_1", "reason": "mission created"},
            {"status": "signed", "at": at, "by": "signers", "reason": "all signers signed"},
            {"status": "active", "at": at, "by": "sceau", "reason": "period ended"},
        ],
    }
    html = environment.get_template("staff/_mission_live.html").render(
        m=mission,
        live=False,
        status_label=STATUS,
        people={"stf_1": "Anne <Martin>"},
        work_opens_on=None,
    )
    assert "Anne &lt;Martin&gt;" in html
    assert "· les signataires" in html
    assert "· Sceau" in html
    assert "· signers" not in html
    assert "· sceau" not in html
