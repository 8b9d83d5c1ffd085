"""The demo firm that ``make run`` seeds through the API, so a new user has something to try."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from domain.settings import Settings

# The demo's sign-in for the pages, written beside the tokens in demo.json.
PAGE_KEYS = ("staff_email", "staff_password", "client_name", "portal_email")

FIRM: dict[str, Any] = {
    "name": "Cabinet Martin & Associés",
    "legal_form": "SAS",
    "siren": "812345678",
    "address": "12 rue de la République, 69002 Lyon",
    "city": "Lyon",
    "vat_number": "FR45812345678",
    "ordre_council": "Conseil régional de l'Ordre des experts-comptables Auvergne-Rhône-Alpes",
}
PARTNER: dict[str, Any] = {
    "email": "claire.martin@cabinet-martin.example",
    "first_name": "Claire",
    "last_name": "Martin",
    "title": "Expert-comptable associée",
    "role": "staff",
    "legal_representative": True,
}
SERVICES: list[dict[str, Any]] = [
    {
        "code": "TENUE",
        "name": "Tenue de la comptabilité",
        "description": "Saisie des pièces, rapprochements bancaires et révision des comptes.",
        "price": "250.00",
        "frequency": "monthly",
        "work": [
            {"kind": "information_request", "title": "Transmettre les relevés bancaires"},
            {"kind": "task", "title": "Saisir et rapprocher le mois", "due": 15},
        ],
    },
    {
        "code": "TVA",
        "name": "Déclarations de TVA",
        "description": "Établissement et télédéclaration des déclarations de TVA (CA3).",
        "price": "90.00",
        "frequency": "quarterly",
        "work": [{"kind": "task", "title": "Télédéclarer la TVA", "due": 19}],
    },
    {
        "code": "BILAN",
        "name": "Comptes annuels et liasse fiscale",
        "description": "Établissement des comptes annuels, de la liasse fiscale et de l'annexe.",
        "price": "1800.00",
        "frequency": "yearly",
        "work": [
            {"kind": "information_request", "title": "Transmettre l'inventaire des stocks"},
            {"kind": "task", "title": "Établir les comptes annuels", "due": 90},
        ],
    },
]
REPRESENTATIVE = {
    "first_name": "Jean",
    "last_name": "Dupont",
    "title": "Gérant",
    "email": "jean.dupont@boulangerie-dupont.example",
    "phone": "+33612345678",
}
CLIENT: dict[str, Any] = {
    "name": "Boulangerie Dupont & Fils",
    "legal_form": "SARL",
    "siren": "498765432",
    "address": "3 place des Terreaux, 69001 Lyon",
    "activity": "Boulangerie-pâtisserie",
    "fiscal_year_end": "12-31",
    "representatives": [REPRESENTATIVE],
}


# The demo's keys, written last by the seeding (atomically): its presence means "seeded".
DEMO_FILE = "demo.json"
# What each finished step returned, so that a retried seeding reuses the firm it created.
PROGRESS_FILE = "demo-seeding.json"


def demo_seeded(settings: Settings) -> bool:
    return (settings.data_dir / DEMO_FILE).is_file()


def load_demo(settings: Settings) -> dict[str, Any] | None:
    """The seeded demo's keys, or None when it has not been seeded (fully) yet."""
    try:
        demo: dict[str, Any] = json.loads((settings.data_dir / DEMO_FILE).read_text())
    except (OSError, ValueError):
        return None
    return demo


def remember(settings: Settings, demo: dict[str, Any], **values: str) -> dict[str, Any]:
    """`demo` with `values` (the run's addresses, like `mail_url`), written to demo.json when
    they changed: a data directory seeded before they existed gains them, a new port updates
    them."""
    if all(demo.get(key) == value for key, value in values.items()):
        return demo
    demo = {**demo, **values}
    _write_private(settings.data_dir / DEMO_FILE, demo)
    return demo


def _write_private(path: Path, data: dict[str, Any]) -> None:
    """Write `data` as JSON readable by its owner only, atomically (a rename)."""
    partial = path.with_name(f".{path.name}.tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        json.dump(data, file, indent=2)
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, path)


def seed_demo(api: str, operator_token: str, progress: Path | None = None) -> dict[str, Any]:
    """Create the demo firm, its partner, catalogue, client and portal user; return their keys.

    With `progress`, each step's answer is kept in that file as soon as it is known, and a
    step already there is not done again: a seeding retried after a failure carries on with
    the same firm instead of creating a second one.
    """
    done: dict[str, Any] = {}
    if progress is not None and progress.exists():
        with contextlib.suppress(OSError, ValueError):
            done = json.loads(progress.read_text())

    def post(path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
        response = httpx.post(
            f"{api}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def step(key: str, path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
        if key not in done:
            done[key] = post(path, token, body)
            if progress is not None:
                _write_private(progress, done)
        result: dict[str, Any] = done[key]
        return result

    firm = step("firm", "/v1/firms", operator_token, FIRM)
    admin = firm["admin_token"]
    partner = step("partner", "/v1/staff", admin, PARTNER)
    services = [
        step(f"service:{service['code']}", "/v1/services", admin, service) for service in SERVICES
    ]
    client = step("client", "/v1/clients", admin, CLIENT)
    portal = step(
        "portal",
        f"/v1/clients/{client['id']}/portal-users",
        admin,
        {
            "email": CLIENT["representatives"][0]["email"],
            "first_name": "Jean",
            "last_name": "Dupont",
        },
    )
    return {
        "firm_id": firm["id"],
        "admin_id": firm["admin_id"],
        "admin_token": admin,
        "staff_id": partner["id"],
        "staff_token": partner["token"],
        "service_ids": {service["code"]: service["id"] for service in services},
        "client_id": client["id"],
        "client_representative_id": client["representatives"][0]["id"],
        "portal_user_id": portal["id"],
        "portal_token": portal["token"],
        # The three tokens were issued together: they expire together (SCEAU_TOKEN_DAYS).
        "tokens_expire_at": firm["admin_token_expires_at"],
    }


def sign_in_keys(demo: dict[str, Any]) -> dict[str, Any]:
    """`demo` with what a person needs to sign in to the pages: the demo staff member's
    e-mail and a password (generated and set in the database once; kept when already set),
    the client's name and their portal e-mail."""
    if all(key in demo for key in PAGE_KEYS):
        return demo
    from domain.db import session_scope
    from domain.passwords import set_password

    password = secrets.token_urlsafe(12)
    with session_scope() as session:
        set_password(session, demo["staff_id"], password)
    return {
        **demo,
        "staff_email": PARTNER["email"],
        "staff_password": password,
        "client_name": CLIENT["name"],
        "portal_email": REPRESENTATIVE["email"],
    }


def ensure_demo(
    settings: Settings,
    api: str,
    *,
    finish: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    attempts: int | None = None,
    first_delay: float = 1.0,
    max_delay: float = 15.0,
    sleep: Callable[[float], None] = time.sleep,
    report: Callable[[str], None] = print,
) -> dict[str, Any]:
    """The demo firm: the seeded one if any, else seeded now, retried with a bounded backoff.

    Idempotent: a data directory already seeded keeps its firm and tokens; a seeding that
    failed halfway resumes from its last finished step. `demo.json` is written last: it is the
    marker /readyz waits for. `finish` (sign_in_keys under `sceau run`) completes the keys
    before they are written, also those of a directory seeded before it existed. Raises the
    last error once every attempt failed.
    """
    existing = load_demo(settings)
    if existing is not None:
        if finish is None:
            return existing
        finished = finish(existing)
        if finished != existing:
            _write_private(settings.data_dir / DEMO_FILE, finished)
        return finished
    progress = settings.data_dir / PROGRESS_FILE
    attempts = attempts or settings.demo_seed_attempts
    delay = first_delay
    for attempt in range(1, attempts + 1):
        try:
            demo = seed_demo(api, settings.secret("operator_token"), progress)
        except (httpx.HTTPError, KeyError, ValueError) as error:
            if attempt == attempts:
                raise
            if _refused(error):
                # The API refused a step (a 409 for a step whose answer was lost, say): begin
                # again with a new firm rather than repeat the refused step.
                progress.unlink(missing_ok=True)
            report(
                f"seeding the demo firm failed (attempt {attempt}/{attempts}: {describe(error)});"
                f" retrying in {delay:.0f} s"
            )
            sleep(delay)
            delay = min(delay * 2, max_delay)
            continue
        if finish is not None:
            demo = finish(demo)
        _write_private(settings.data_dir / DEMO_FILE, demo)
        progress.unlink(missing_ok=True)
        return demo
    raise AssertionError("unreachable")  # pragma: no cover


def _refused(error: BaseException) -> bool:
    if not isinstance(error, httpx.HTTPStatusError):
        return False
    status = error.response.status_code
    return 400 <= status < 500 and status not in (401, 408, 429)


def describe(error: BaseException) -> str:
    if isinstance(error, httpx.HTTPStatusError):
        return f"{error.request.method} {error.request.url.path} → {error.response.status_code}"
    return f"{error.__class__.__name__}: {error}"
