"""Who did it, in French, for the pages.

The workflows and activities name the system's actors in English ("sceau", "signers",
"provider"...) in the timeline's `by` and the audit log's `actor`; the API returns them as
written. A person is named by id and shown by name before this runs; anything not listed here
(a name, an id no one matches) is shown as it is. tests/unit/test_web_actors.py reads the
workflows' and activities' sources and fails when an actor they write has no French here.
"""

from __future__ import annotations

ACTORS: dict[str, str] = {
    "sceau": "Sceau",
    "signers": "les signataires",
    "signer": "un signataire",
    "provider": "le prestataire de signature",
    "client": "le client",
    "firm": "le cabinet",
    "operator": "l'opérateur",
}


def actor(name: str | None) -> str:
    """``name`` as the pages show it: French for a system actor, as written otherwise."""
    if not name:
        return ""
    return ACTORS.get(name, name)


def person_or_actor(name: str | None, people: dict[str, str]) -> str:
    """A timeline's `by`: the person's name when it is one of ``people``'s ids, else
    :func:`actor`."""
    if name and name in people:
        return people[name]
    return actor(name)
