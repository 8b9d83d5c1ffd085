"""The French words the staff's pages show for the API's values."""

from __future__ import annotations

from domain.enums import MissionStatus, ServiceRequestStatus, WorkKind, WorkStatus
from domain.money import FREQUENCY_ADVERBS

STATUS: dict[str, str] = {
    MissionStatus.requested: "Demandée",
    MissionStatus.draft: "Brouillon",
    MissionStatus.letter_generated: "Lettre générée",
    MissionStatus.awaiting_signature: "En attente de signature",
    MissionStatus.signed: "Signée",
    MissionStatus.active: "Active",
    MissionStatus.completed: "Terminée",
    MissionStatus.declined: "Refusée",
    MissionStatus.expired: "Expirée",
    MissionStatus.cancelled: "Annulée",
    MissionStatus.terminated: "Résiliée",
}

# An amendment's status (domain.models.Amendment.status: plain strings, written by
# workflows/amendments.py); an amendment is masculine (« un avenant »).
AMENDMENT_STATUS: dict[str, str] = {
    "draft": "Brouillon",
    "letter_generated": "Lettre générée",
    "awaiting_signature": "En attente de signature",
    "signed": "Signé",
    "declined": "Refusé",
    "expired": "Expiré",
    "cancelled": "Annulé",
}

REQUEST_STATUS: dict[str, str] = {
    ServiceRequestStatus.open: "À traiter",
    ServiceRequestStatus.converted: "Transformée en mission",
}

WORK_KIND: dict[str, str] = {
    WorkKind.task: "Tâche",
    WorkKind.information_request: "Demande d'informations",
}

WORK_STATUS: dict[str, str] = {
    WorkStatus.open: "À faire",
    WorkStatus.answered: "Répondue",
    WorkStatus.done: "Faite",
    WorkStatus.cancelled: "Annulée",
}

SIGNER_STATUS: dict[str, str] = {
    "pending": "En attente",
    "signed": "Signé",
    "declined": "Refusé",
}

SIGNER_ROLE: dict[str, str] = {"client": "Client", "firm": "Cabinet"}

DOCUMENT_KIND: dict[str, str] = {
    "letter": "Lettre de mission",
    "signed_letter": "Lettre signée",
    "audit_trail": "Dossier de preuve",
    "upload": "Envoyé par le client",
    "renewal_notice": "Avis de reconduction",
}

LABELS = {
    "fees_rhythm": {str(key): value for key, value in FREQUENCY_ADVERBS.items()},
    "status_label": STATUS,
    "amendment_status_label": AMENDMENT_STATUS,
    "request_status_label": REQUEST_STATUS,
    "work_kind_label": WORK_KIND,
    "work_status_label": WORK_STATUS,
    "signer_status_label": SIGNER_STATUS,
    "signer_role_label": SIGNER_ROLE,
    "document_kind_label": DOCUMENT_KIND,
}
