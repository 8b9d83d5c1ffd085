"""The API's side of the mission workflows: start, update, signal, and errors mapped to HTTP."""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError, FailureError
from temporalio.service import RPCError, RPCStatusCode

from api.errors import ApiError
from contracts.errors import HTTP_ANSWER, ErrorType
from contracts.ids import mission_workflow_id
from contracts.messages import MISSIONS_QUEUE, MissionStart
from domain.logs import request_id
from domain.settings import get_settings
from workflows.mission import MissionWorkflow

T = TypeVar("T")
log = logging.getLogger("sceau.api")

# The error types whose message is written for the caller (the workflow's validators, the
# template checks); the others carry internals (scratch paths, LibreOffice's log, the provider's
# URLs), which go to the log, and the caller gets a fixed message and the request id.
MESSAGE_FOR_CALLER = {
    ErrorType.conflict,
    ErrorType.not_found,
    ErrorType.invalid_input,
    ErrorType.template_error,
}
FIXED_MESSAGE: dict[str, str] = {
    ErrorType.invalid_document: "LibreOffice cannot convert the letter made from this "
    "template; open the template in Word, save it again as .docx and upload it anew",
    ErrorType.provider_rejected: "the signature provider refused the request; check the "
    "signers' names, e-mail addresses and phone numbers",
}


def _root_application_error(error: BaseException) -> ApplicationError | None:
    cause: BaseException | None = error
    found: ApplicationError | None = None
    while cause is not None:
        if isinstance(cause, ApplicationError):
            found = cause
        cause = cause.__cause__ or getattr(cause, "cause", None)
    return found


def as_api_error(error: BaseException) -> ApiError:
    root = _root_application_error(error)
    if root is not None and root.type in MESSAGE_FOR_CALLER:
        status, code = HTTP_ANSWER[root.type]
        return ApiError(status, code, root.message)
    if isinstance(error, RPCError) and error.status == RPCStatusCode.NOT_FOUND:
        return ApiError(404, "not_found", "mission not found")
    internal = root.message if root is not None else f"{type(error).__name__}: {error}"
    rid = request_id.get()
    # The plain-text log format has no request_id field: the message names it too.
    log.warning(
        "workflow call failed (request %s): %s",
        rid,
        internal,
        extra={"error_type": root.type if root is not None else type(error).__name__},
    )
    details = {"request_id": rid}
    if root is not None and root.type in FIXED_MESSAGE:
        status, code = HTTP_ANSWER[root.type]
        return ApiError(status, code, FIXED_MESSAGE[root.type], details)
    return ApiError(
        503,
        "workflow_failed",
        "the mission could not be moved on; try again later, or give the request id to support",
        details,
    )


def start_operation(start: MissionStart) -> WithStartWorkflowOperation[Any, Any]:
    settings = get_settings()
    start.signature_expiry_days = settings.signature_expiry_days
    start.signature_reminder_interval_days = settings.signature_reminder_interval_days
    start.signature_reminder_max = settings.signature_reminder_max
    start.signature_poll_after_hours = settings.signature_poll_after_hours
    return WithStartWorkflowOperation(
        MissionWorkflow.run,
        start,
        id=mission_workflow_id(start.mission_id),
        task_queue=MISSIONS_QUEUE,
        # A retried API call joins the workflow it already started.
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        # Shown in the Web UI beside the search attributes, for operators.
        memo={
            "mission_id": start.mission_id,
            "firm_id": start.firm_id,
            "client_id": start.client_id,
        },
    )


async def update_with_start(client: Client, update: Any, arg: Any, start: MissionStart) -> Any:
    try:
        return await client.execute_update_with_start_workflow(
            update, arg, start_workflow_operation=start_operation(start)
        )
    except (WorkflowUpdateFailedError, RPCError, FailureError) as error:
        raise as_api_error(error) from error


async def update(client: Client, mission_id: str, update: Any, arg: Any) -> Any:
    handle = client.get_workflow_handle(mission_workflow_id(mission_id))
    try:
        return await handle.execute_update(update, arg)
    except (WorkflowUpdateFailedError, RPCError, FailureError) as error:
        raise as_api_error(error) from error


async def signal(client: Client, mission_id: str, signal: Any, arg: Any) -> None:
    handle = client.get_workflow_handle(mission_workflow_id(mission_id))
    try:
        await handle.signal(signal, arg)
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise ApiError(409, "conflict", "the mission's workflow has ended") from error
        raise as_api_error(error) from error
