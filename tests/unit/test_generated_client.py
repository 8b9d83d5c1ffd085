"""A client generated from /openapi.json with openapi-python-client: no warnings, clean names.

The generator runs on the app's own schema (about two seconds, ruff included); the
generated package is then imported and called against the app in-process.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "docs" / "openapi-python-client.yml"
BIN = Path(sys.executable).parent
PACKAGE = "sceau_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    where = tmp_path_factory.mktemp("client")
    schema = where / "openapi.json"
    schema.write_text(json.dumps(create_app().openapi()))
    run = subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(schema),
            "--meta",
            "none",
            "--output-path",
            str(where / PACKAGE),
            "--config",
            str(CONFIG),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        # Its post-generation hooks run ruff, found next to this Python.
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
        cwd=where,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    sys.path.insert(0, str(where))
    try:
        yield where / PACKAGE, output
    finally:
        sys.path.remove(str(where))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def test_the_generator_runs_without_warnings(generated: tuple[Path, str]) -> None:
    _, output = generated
    assert "warning" not in output.lower(), output
    assert "error" not in output.lower(), output


def test_the_generated_functions_carry_the_operation_ids(generated: tuple[Path, str]) -> None:
    package, _ = generated
    assert (package / "api" / "missions" / "create_mission.py").is_file()
    modules = {path.stem for path in (package / "api").rglob("*.py")} - {"__init__"}
    assert {"create_mission", "list_missions", "get_mission", "preview_letter"} <= modules
    # No FastAPI default id (`create_mission_v1_missions_post`) left anywhere.
    assert not [name for name in modules if "_v1_" in name], sorted(modules)


def test_the_generated_client_talks_to_the_api(generated: tuple[Path, str]) -> None:
    client_module = importlib.import_module(f"{PACKAGE}.client")
    create_mission = importlib.import_module(f"{PACKAGE}.api.missions.create_mission")
    healthz = importlib.import_module(f"{PACKAGE}.api.health.healthz")
    error_out = importlib.import_module(f"{PACKAGE}.models.error_out")
    mission_in = importlib.import_module(f"{PACKAGE}.models.mission_in")

    client = client_module.Client(base_url="http://testserver")
    client.set_httpx_client(TestClient(create_app(), base_url="http://testserver"))
    assert healthz.sync(client=client).to_dict() == {"status": "ok"}

    body = mission_in.MissionIn.from_dict(
        {
            "client_id": "c",
            "name": "Tenue 2027",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "frequency": "monthly",
            "lines": [{"service_id": "s"}],
        }
    )
    answer = create_mission.sync(client=client, body=body)
    # No token: the uniform error body, parsed into the generated error model.
    assert isinstance(answer, error_out.ErrorOut)
    assert answer.error.code == "unauthorized"
