"""How long a mission's activities may take, and how they retry."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from contracts.errors import NON_RETRYABLE_ERRORS


def backing_off(*, up_to: timedelta, attempts: int = 0) -> RetryPolicy:
    """Retries one second after a failure, doubling the wait up to `up_to`, `attempts` times
    in all (0: until it succeeds); never for an error that retrying cannot fix."""
    return RetryPolicy(
        initial_interval=timedelta(seconds=1),
        backoff_coefficient=2.0,
        maximum_interval=up_to,
        maximum_attempts=attempts,
        non_retryable_error_types=NON_RETRYABLE_ERRORS,
    )


# An update's caller waits for the answer: eight attempts in about a minute and a half, then
# the update fails.
RETRY_WHILE_CALLER_WAITS = backing_off(up_to=timedelta(seconds=30), attempts=8)
# Steps driven by signals and timers have no caller to report to: they retry until they
# succeed (an operator sees the failing attempts in the Web UI) rather than fail the mission.
RETRY_UNTIL_DONE = backing_off(up_to=timedelta(minutes=5))
# Reminders and status polls are worth a few attempts, never the mission: see
# SignatureWait._poll.
RETRY_A_FEW_TIMES = backing_off(up_to=timedelta(minutes=1), attempts=5)
# Start-to-close timeouts: most steps (a few database writes or one call to the provider); the
# slow ones (sending the letter for signature, filing the signed letter, creating the year's
# work). Rendering and converting the letter take DOCUMENT_TIMEOUT (workflows/letter_pdf.py).
STEP_TIMEOUT = timedelta(seconds=30)
SLOW_STEP_TIMEOUT = timedelta(minutes=2)
