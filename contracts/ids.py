"""Ids and keys that several parts of Sceau derive from the same facts."""

from __future__ import annotations

MISSION_WORKFLOW_PREFIX = "mission-"


def mission_workflow_id(mission_id: str) -> str:
    return f"{MISSION_WORKFLOW_PREFIX}{mission_id}"


def mission_of(workflow_id: str | None) -> str | None:
    """The mission a workflow id belongs to, or None for another workflow."""
    if workflow_id and workflow_id.startswith(MISSION_WORKFLOW_PREFIX):
        return workflow_id.removeprefix(MISSION_WORKFLOW_PREFIX)
    return None


def letter_key(mission_id: str, version: int) -> str:
    """The GED key of a mission's letter: filing it again under this key files nothing new."""
    return f"letter:{mission_id}:v{version}"


def signature_external_id(mission_id: str, version: int) -> str:
    """The provider's external id of a letter's signature request: a retry finds it."""
    return f"mission-{mission_id}-v{version}"


def signed_key(kind: str, mission_id: str, version: int) -> str:
    """The GED key of what a signature returns for a letter (the signed letter, its proof)."""
    return f"{kind}:{mission_id}:v{version}"
