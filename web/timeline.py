"""The mission timeline's reasons in French, for the pages only.

The workflows write their timeline reasons in English ("mission created", "letter version 2")
and the API returns them as written: they are its contract, and the recorded histories replay
them. The pages translate each reason a workflow writes; anything else (a cancel or decline
reason a person typed, a provider's own words, the French entries the activities write) is
shown as it is. tests/unit/test_web_timeline.py reads the workflows' sources and fails when a
reason they write has no French here.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from web.formatting import day

# The reasons written word for word.
FIXED: dict[str, str] = {
    "service request from the client": "demande de prestations du client",
    "mission created": "mission créée",
    "all signers signed": "signée par tous les signataires",
    "no signature in time": "délai de signature dépassé",
    "period ended": "période terminée",
    "expired": "expirée",
    "cancelled": "annulée",
    "declined": "refusée",
    "the mission is cancelled": "la mission est annulée",
    "the mission is terminated": "la mission est résiliée",
}

# The provider's final statuses, as the polling fallback names them (contracts.statuses).
PROVIDER_STATUS: dict[str, str] = {
    "declined": "refusée",
    "expired": "expirée",
    "canceled": "annulée",
    "cancelled": "annulée",
    "done": "signée",
}

PARTY: dict[str, str] = {"client": "le client", "firm": "le cabinet"}

AMENDMENT_PREFIX = re.compile(r"(avenant n° \d+ : )(.*)", re.DOTALL)


def _plural(count: str, one: str, many: str) -> str:
    # French: 0 and 1 take the singular.
    return f"{count} {one if int(count) <= 1 else many}"


def _work_opened(match: re.Match[str]) -> str:
    tasks = _plural(match.group(1), "tâche", "tâches")
    requests = _plural(match.group(2), "demande d'informations", "demandes d'informations")
    return f"{tasks} et {requests}"


def _terminated(match: re.Match[str]) -> str:
    party = PARTY.get(match.group(1), match.group(1))
    return f"résiliée par {party} le {_day_or_text(match.group(2))}"


def _as_polled(match: re.Match[str]) -> str:
    status = PROVIDER_STATUS.get(match.group(1), match.group(1))
    return f"{status}, d'après le prestataire de signature interrogé"


def _day_or_text(text: str) -> str:
    try:
        return day(text)
    except ValueError:
        return text


# The reasons with values in them: (the English form, its French).
PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"letter version (\d+)"), lambda m: f"lettre version {m.group(1)}"),
    (re.compile(r"sent to (\S+)"), lambda m: f"envoyée pour signature ({m.group(1)})"),
    (re.compile(r"(\d+) tasks and (\d+) information requests"), _work_opened),
    (
        re.compile(r"all signers signed: the new lines from (\S+)"),
        lambda m: (
            f"signée par tous les signataires : nouvelles lignes à partir du "
            f"{_day_or_text(m.group(1))}"
        ),
    ),
    (re.compile(r"terminated by the (\w+) on (\S+)"), _terminated),
    (re.compile(r"(\w+), as the provider reported when asked"), _as_polled),
]


def timeline_reason(reason: str | None) -> str:
    """A timeline entry's reason as the pages show it: French when a workflow wrote it,
    as typed otherwise; an amendment's "avenant n° N : " keeps its prefix."""
    if not reason:
        return ""
    amendment = AMENDMENT_PREFIX.fullmatch(reason)
    if amendment:
        return amendment.group(1) + _french(amendment.group(2))
    return _french(reason)


def _french(reason: str) -> str:
    if reason in FIXED:
        return FIXED[reason]
    for pattern, french in PATTERNS:
        match = pattern.fullmatch(reason)
        if match:
            return french(match)
    return reason
