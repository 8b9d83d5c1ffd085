"""The audit log's action codes in French, for the client's "Historique" tab.

The log's codes stay in English for the API ("folder.created", "mission.status"): every row a
session changes for a caller is "<table>.created|updated|deleted" (domain/audit.py), and the
mission's own actions are "mission.<what>" (the API's services and the workflow's
activities). tests/unit/test_web_audit_actions.py reads those writers and fails when a code
has no label here; a code not known is shown as written.
"""

from __future__ import annotations

# What each table holds, and whether its noun is feminine and/or plural (for the agreement).
TABLES: dict[str, tuple[str, bool, bool]] = {
    "amendment": ("avenant", False, False),
    "apitoken": ("jeton d'API", False, False),
    "client": ("client", False, False),
    "document": ("document", False, False),
    "firm": ("cabinet", False, False),
    "folder": ("dossier", False, False),
    "generalconditions": ("conditions générales", True, True),
    "letterpreview": ("aperçu de lettre", False, False),
    "lettertemplate": ("modèle de lettre", False, False),
    "mission": ("mission", True, False),
    "missionevent": ("étape de mission", True, False),
    "missionline": ("ligne de mission", True, False),
    "portaluser": ("accès au portail", False, False),
    "representative": ("représentant", False, False),
    "sentmail": ("e-mail", False, False),
    "service": ("prestation du catalogue", True, False),
    "servicerequest": ("demande de prestations", True, False),
    "servicework": ("tâche type d'une prestation", True, False),
    "signaturerequest": ("demande de signature", True, False),
    "signinlink": ("lien de connexion", False, False),
    "staff": ("collaborateur", False, False),
    "staffpassword": ("mot de passe", False, False),
    "websession": ("session", True, False),
    "workitem": ("tâche", True, False),
}

VERBS: dict[str, str] = {"created": "créé", "updated": "modifié", "deleted": "supprimé"}

# The mission's actions: the API's ("mission.letter_generated") and the workflow's entries
# (activities/missions.py: "mission.status", and one per timeline entry's kind).
MISSION: dict[str, str] = {
    "mission.created": "Mission créée",
    "mission.status": "Statut de la mission changé",
    "mission.line_changed": "Lignes de la mission modifiées",
    "mission.letter_generated": "Lettre de mission générée",
    "mission.signature_requested": "Signature demandée",
    "mission.cancel_requested": "Annulation demandée",
    "mission.termination_recorded": "Résiliation enregistrée",
    "mission.termination": "Résiliation prise en compte",
    "mission.renewed": "Mission reconduite",
    "mission.amendment": "Avenant : nouvelle étape",
    "mission.amendment_drafted": "Avenant préparé",
    "mission.amendment_letter_generated": "Lettre d'avenant générée",
    "mission.amendment_signature_requested": "Signature de l'avenant demandée",
    "mission.amendment_cancelled": "Avenant annulé",
}


def _agreed(verb: str, feminine: bool, plural: bool) -> str:
    return verb + ("e" if feminine else "") + ("s" if plural else "")


def _row_change(code: str) -> str | None:
    table, _, verb = code.partition(".")
    if table not in TABLES or verb not in VERBS:
        return None
    noun, feminine, plural = TABLES[table]
    label = f"{noun} {_agreed(VERBS[verb], feminine, plural)}"
    return label[0].upper() + label[1:]


def audit_action(code: str | None) -> str:
    """An audit entry's action as the pages show it: French when known, as written otherwise."""
    if not code:
        return ""
    return MISSION.get(code) or _row_change(code) or code
