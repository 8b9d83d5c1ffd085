"""The error types the workflows and activities raise, what the API answers for each, and which
ones retrying cannot fix."""

from __future__ import annotations

from enum import StrEnum

from temporalio.exceptions import ApplicationError


class ErrorType(StrEnum):
    """``ApplicationError.type`` values: they are in recorded histories, keep them as they are."""

    conflict = "Conflict"
    not_found = "NotFound"
    invalid_input = "InvalidInput"
    template_error = "TemplateError"
    invalid_document = "InvalidDocument"
    provider_rejected = "ProviderRejected"
    provider_unavailable = "ProviderUnavailable"
    conversion_failed = "ConversionFailed"
    # The mail relay refused a message for good (a 5xx answer, an address that cannot be):
    # raised non-retryable by the mail activity itself. Kept out of NON_RETRYABLE_ERRORS, whose
    # tuple is part of every recorded retry policy.
    mail_rejected = "MailRejected"
    # The relay could not be reached or answered "try later" (4xx): retried.
    mail_unavailable = "MailUnavailable"


# What retrying cannot fix: every workflow names these in its retry policies. (In this order:
# it is part of each scheduled activity's recorded retry policy.)
NON_RETRYABLE_ERRORS: tuple[str, ...] = (
    ErrorType.template_error,
    ErrorType.invalid_document,
    ErrorType.provider_rejected,
    ErrorType.not_found,
    ErrorType.invalid_input,
)

# The HTTP status and error code the API answers for each, when a workflow call fails with it.
HTTP_ANSWER: dict[str, tuple[int, str]] = {
    ErrorType.conflict: (409, "conflict"),
    ErrorType.not_found: (404, "not_found"),
    ErrorType.invalid_input: (422, "invalid_request"),
    ErrorType.template_error: (422, "template_error"),
    ErrorType.invalid_document: (422, "template_error"),
    ErrorType.provider_rejected: (424, "provider_rejected"),
}


def failure(message: str, error_type: ErrorType, *, retryable: bool = False) -> ApplicationError:
    """An ``ApplicationError`` of ``error_type``; not retried unless ``retryable``."""
    return ApplicationError(message, type=error_type, non_retryable=not retryable)


def not_found(what: str) -> ApplicationError:
    return failure(f"{what} not found", ErrorType.not_found)


def invalid(message: str) -> ApplicationError:
    return failure(message, ErrorType.invalid_input)
