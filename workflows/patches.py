"""Every patch id MissionWorkflow asks `workflow.patched` about (docs/workflow-changes.md)."""

from __future__ import annotations

OPERATORS_VIEW = "operators-view"
SIGNATURE_TIMERS = "signature-timers"
DECLINED_FOLLOW_UP = "declined-follow-up"
WORK_BY_PERIOD = "work-by-period"
MAIL_NOTIFICATIONS = "mail-notifications"
LOCAL_DATABASE_STEPS = "local-database-steps"
MAIL_IN_ONE_ACTIVITY = "mail-in-one-activity"

# What a run that takes its database steps locally declares before its first one. A patch
# asked for the first time after a local activity, in the same workflow task, can replay as
# not taken: when the worker lets the run go while the activity runs (a full cache, a query
# on a worker without one), the activity's marker and the code after it land in two workflow
# tasks, and the patch's marker is announced only with the second. Asked up front, each later
# call is answered from memory and records nothing. A new patch goes here too.
DECLARED_BEFORE_LOCAL_STEPS = (
    OPERATORS_VIEW,
    SIGNATURE_TIMERS,
    DECLINED_FOLLOW_UP,
    WORK_BY_PERIOD,
    MAIL_NOTIFICATIONS,
    MAIL_IN_ONE_ACTIVITY,
)
