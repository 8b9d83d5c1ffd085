"""Every audit action code the code base writes has a French label on the client's
"Historique" tab.

The codes are found by reading the writers: domain/audit.py logs "<table>.<verb>" for every
table a session changes for a caller; the mission's actions are "mission.<what>", written by
the API's services (`_audited`, `_audit`) and by the activities (`_timeline_entry`'s kind,
`action="..."`). A new code with no label in web/audit_actions.py fails here.
"""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlmodel import SQLModel

import domain.models  # noqa: F401 (the tables)
from domain.audit import UNLOGGED
from web.audit_actions import audit_action
from web.templating import environment

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(
    [*(ROOT / "api").rglob("*.py"), *(ROOT / "activities").glob("*.py"), ROOT / "domain/audit.py"]
)
# The helpers that prefix their action with "mission." (api/services, activities/missions.py).
MISSION_WRITERS = {"_audited", "_audit", "_timeline_entry"}
CODE = re.compile(r"[a-z_]+(\.[a-z_]+)?")


def _row_verbs() -> set[str]:
    """The verbs domain/audit.py's flush hook passes to `_entry(row, "<verb>", ...)`."""
    tree = ast.parse((ROOT / "domain/audit.py").read_text())
    return {
        argument.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        if node.func.id == "_entry"
        for argument in node.args
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str)
    }


def _row_codes() -> set[str]:
    unlogged = {model.__tablename__ for model in UNLOGGED}
    tables = set(SQLModel.metadata.tables) - unlogged
    return {f"{table}.{verb}" for table in tables for verb in _row_verbs()}


def _literal_codes(node: ast.AST) -> set[str]:
    if not isinstance(node, ast.Call):
        return set()
    codes = {
        kw.value.value
        for kw in node.keywords
        if kw.arg == "action" and isinstance(kw.value, ast.Constant)
        if isinstance(kw.value.value, str)
    }
    name = node.func.id if isinstance(node.func, ast.Name) else ""
    if name in MISSION_WRITERS:
        codes |= {
            f"mission.{argument.value}"
            for argument in node.args
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str)
        }
    if name == "record":  # domain.audit.record(session, actor, "<code>", ...)
        codes |= {
            argument.value
            for argument in node.args[2:3]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str)
        }
    return codes


def written_codes() -> list[str]:
    codes = _row_codes()
    for source in SOURCES:
        tree = ast.parse(source.read_text(), filename=str(source))
        for node in ast.walk(tree):
            codes |= _literal_codes(node)
    return sorted(codes)


def test_the_written_codes_are_found() -> None:
    codes = set(written_codes())
    assert {
        "mission.status",
        "folder.created",
        "firm.updated",
        "mission.letter_generated",
        "mission.amendment_drafted",
        "mission.renewed",
    } <= codes
    assert all(CODE.fullmatch(code) for code in codes), codes


@pytest.mark.parametrize("code", written_codes())
def test_every_written_code_has_a_label(code: str) -> None:
    assert audit_action(code) != code, f"no French label for {code!r} (web/audit_actions.py)"


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("folder.created", "Dossier créé"),
        ("firm.updated", "Cabinet modifié"),
        ("workitem.deleted", "Tâche supprimée"),
        ("generalconditions.updated", "Conditions générales modifiées"),
        ("mission.status", "Statut de la mission changé"),
        ("mission.amendment_cancelled", "Avenant annulé"),
        ("something.new", "something.new"),
        ("", ""),
    ],
)
def test_codes_read_in_french(code: str, label: str) -> None:
    assert audit_action(code) == label


def test_the_history_tab_shows_actions_and_actors_in_french() -> None:
    at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    history = [
        SimpleNamespace(
            at=at, actor="sceau", action="mission.status", target="m1", mission_id="m1"
        ),
        SimpleNamespace(
            at=at, actor="Anne <Martin>", action="folder.created", target="f1", mission_id=None
        ),
        SimpleNamespace(at=at, actor="provider", action="odd.code", target="x", mission_id=None),
    ]
    client = SimpleNamespace(id="c1", name="Dupont SARL")
    template = environment.get_template("staff/client_history.html")
    block = template.blocks["tab"]
    html = "".join(block(template.new_context({"history": history, "client": client})))
    assert "Statut de la mission changé" in html
    assert "Dossier créé" in html
    assert "<td>Sceau</td>" in html
    assert "<td>le prestataire de signature</td>" in html
    assert "Anne &lt;Martin&gt;" in html
    assert "odd.code" in html
    assert "mission.status" not in html
    assert "folder.created" not in html
