"""The search attributes operators filter missions on in the Web UI.

Workflows upsert them at each transition; an unregistered one blocks the workflow, so they are
registered before any worker polls (domain/temporal.py).
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

MISSION_STATUS = SearchAttributeKey.for_keyword("MissionStatus")
FIRM_ID = SearchAttributeKey.for_keyword("FirmId")
CLIENT_ID = SearchAttributeKey.for_keyword("ClientId")
LETTER_VERSION = SearchAttributeKey.for_int("LetterVersion")
# When an active mission's current period ends and it renews (or ends): "what renews next
# month" is `RenewalDate BETWEEN ... AND ...`.
RENEWAL_DATE = SearchAttributeKey.for_datetime("RenewalDate")

ALL = (MISSION_STATUS, FIRM_ID, CLIENT_ID, LETTER_VERSION, RENEWAL_DATE)
