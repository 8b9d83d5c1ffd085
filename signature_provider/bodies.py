"""Request bodies the provider accepts, validated as Yousign validates them (subset)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+[1-9]\d{6,14}$")

# ----------------------------------------------------------------------- Yousign v3 API


class ReminderSettings(BaseModel):
    interval_in_days: Literal[1, 2, 7, 14]
    max_occurrences: int = Field(ge=1, le=10)


class CreateRequestBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=128)
    delivery_mode: Literal["email", "none"]
    external_id: str | None = Field(default=None, max_length=255)
    ordered_signers: bool = False
    timezone: str = "Europe/Paris"
    reminder_settings: ReminderSettings | None = None
    expiration_date: date | None = None


class SignerInfo(BaseModel):
    model_config = ConfigDict(extra="ignore")

    first_name: str = Field(min_length=1, max_length=255)
    last_name: str = Field(min_length=1, max_length=255)
    email: str
    phone_number: str | None = None
    locale: str = Field(min_length=2, max_length=5)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not EMAIL_RE.match(value):
            raise ValueError("must be a valid email address")
        return value

    @field_validator("phone_number")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not PHONE_RE.match(value):
            raise ValueError("must be in E.164 format, e.g. +33612345678")
        return value


class AddSignerBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    info: SignerInfo
    signature_level: Literal[
        "electronic_signature",
        "advanced_electronic_signature",
        "qualified_electronic_signature",
    ]
    signature_authentication_mode: Literal["no_otp", "otp_email", "otp_sms"]
    fields: list[dict[str, Any]] = Field(default_factory=list)


class CancelBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    reason: Literal["contractualization_aborted", "errors_in_document", "other"]
    custom_note: str | None = Field(default=None, max_length=255)


# ----------------------------------------------------------------------- the signer's side


class SignBody(BaseModel):
    signer_id: str | None = None


class DeclineBody(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)
    signer_id: str | None = None


# ----------------------------------------------------------------------- test controls


class FaultBody(BaseModel):
    status: int = Field(default=503, description="0 for no error (delay only)")
    count: int = Field(default=1, ge=1)
    delay: float = Field(default=0.0, ge=0.0, le=300.0)
