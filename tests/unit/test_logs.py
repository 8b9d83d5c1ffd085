"""The JSON log line: ids from the request context and from Temporal's logger extras."""

from __future__ import annotations

import json
import logging
import sys

from domain.logs import JsonFormatter, request_id


def formatted(**extra: object) -> dict[str, object]:
    record = logging.makeLogRecord({"name": "sceau.test", "levelname": "WARNING", "msg": "x %s"})
    record.args = ("y",)
    for key, value in extra.items():
        setattr(record, key, value)
    line = JsonFormatter("worker").format(record)
    assert "\n" not in line
    parsed: dict[str, object] = json.loads(line)
    return parsed


def test_workflow_logger_extras_give_the_mission_and_workflow_ids() -> None:
    entry = formatted(
        temporal_workflow={
            "workflow_id": "mission-mis_0123",
            "workflow_type": "MissionWorkflow",
            "run_id": "r",
        },
        status="draft",
    )
    assert entry["message"] == "x y"
    assert entry["level"] == "warning"
    assert entry["service"] == "worker"
    assert (entry["workflow_id"], entry["mission_id"]) == ("mission-mis_0123", "mis_0123")
    assert entry["status"] == "draft"
    assert "temporal_workflow" not in entry


def test_activity_extras_name_the_activity_and_attempt() -> None:
    entry = formatted(
        temporal_activity={
            "workflow_id": "preview-42",
            "workflow_type": "LetterPreviewWorkflow",
            "activity_type": "convert_to_pdf",
            "attempt": 3,
        }
    )
    assert (entry["activity"], entry["attempt"]) == ("convert_to_pdf", 3)
    assert entry["workflow_id"] == "preview-42"
    assert "mission_id" not in entry  # a preview belongs to no mission workflow


def test_request_id_from_the_context_and_errors_as_text() -> None:
    token = request_id.set("req-7")
    try:
        raise ValueError("boom")
    except ValueError:
        entry = formatted(exc_info=sys.exc_info())
    finally:
        request_id.reset(token)
    assert entry["request_id"] == "req-7"
    assert "ValueError: boom" in str(entry["error"])
    assert "request_id" not in formatted()
