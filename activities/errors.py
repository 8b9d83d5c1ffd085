"""Errors that retrying cannot fix; their type names are listed in the workflow's retry policy."""

from __future__ import annotations

from temporalio.exceptions import ApplicationError


def not_found(what: str) -> ApplicationError:
    return ApplicationError(f"{what} not found", type="NotFound", non_retryable=True)


def invalid(message: str) -> ApplicationError:
    return ApplicationError(message, type="InvalidInput", non_retryable=True)
