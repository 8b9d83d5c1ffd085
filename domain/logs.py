"""Structured logs: one JSON object per line, carrying the request, mission and workflow ids.

The API sets ``request_id`` for the request it is serving; inside an activity the record is
tagged from Temporal's activity context, and Temporal's workflow and activity loggers add their
own details under ``temporal_workflow`` / ``temporal_activity``. A log shipper can then follow
one request or one mission across the API and the workers.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from temporalio import activity, workflow

from contracts.ids import mission_of
from domain.settings import Settings

# The id of the HTTP request being served; set by the API's middleware.
request_id: ContextVar[str | None] = ContextVar("sceau_request_id", default=None)

# Attributes every LogRecord has: anything else on a record came from `extra=`.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


def _temporal_fields(record: logging.LogRecord) -> dict[str, Any]:
    """workflow_id, activity and attempt from Temporal's logger extras or activity context."""
    fields: dict[str, Any] = {}
    details = getattr(record, "temporal_activity", None) or getattr(
        record, "temporal_workflow", None
    )
    if isinstance(details, dict):
        fields["workflow_id"] = details.get("workflow_id")
        fields["workflow_type"] = details.get("workflow_type")
        if "activity_type" in details:
            fields["activity"] = details["activity_type"]
            fields["attempt"] = details.get("attempt")
    elif activity.in_activity():
        # Any logger used while an activity runs (the converter pool's, SQLAlchemy's).
        info = activity.info()
        fields.update(
            workflow_id=info.workflow_id,
            workflow_type=info.workflow_type,
            activity=info.activity_type,
            attempt=info.attempt,
        )
    mission_id = mission_of(fields.get("workflow_id"))
    if mission_id:
        fields["mission_id"] = mission_id
    return {key: value for key, value in fields.items() if value is not None}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "service": self.service,
            "message": record.getMessage(),
        }
        current_request = request_id.get()
        if current_request:
            entry["request_id"] = current_request
        entry.update(_temporal_fields(record))
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("temporal_") and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(settings: Settings, service: str) -> None:
    """Send every log record of this process to stderr, as JSON lines or as plain text."""
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter(service))
        # The ids travel as fields; Temporal's loggers need not repeat them in the message.
        activity.logger.activity_info_on_message = False
        workflow.logger.workflow_info_on_message = False
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    # uvicorn's own loggers would print in their format: route them through the root.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
