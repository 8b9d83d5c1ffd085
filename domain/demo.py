"""The demo firm that ``make run`` seeds through the API, so a new user has something to try."""

from __future__ import annotations

from typing import Any

import httpx

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


def seed_demo(api: str, operator_token: str) -> dict[str, Any]:
    """Create the demo firm, its partner, catalogue, client and portal user; return their keys."""

    def post(path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
        response = httpx.post(
            f"{api}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    firm = post("/v1/firms", operator_token, FIRM)
    admin = firm["admin_token"]
    partner = post("/v1/staff", admin, PARTNER)
    services = [post("/v1/services", admin, service) for service in SERVICES]
    client = post("/v1/clients", admin, CLIENT)
    portal = post(
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
