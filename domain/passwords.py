"""Staff passwords for the pages: argon2id through argon2-cffi, stored only as their hash."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session

from domain.models import StaffPassword, utcnow

# argon2-cffi's defaults are RFC 9106's low-memory profile of argon2id (64 MiB, 3 passes).
_hasher = PasswordHasher()
# Verified when no account matches, so that an unknown e-mail costs the same time as a wrong
# password and the answer's delay tells nothing. A hash made once with the defaults above
# (verifying costs what the hash names), not at each import: hashing took ~250 ms of start-up.
_DECOY = (
    "$argon2id$v=19$m=65536,t=3,p=4$BP4l1ZH1IpJVNxX0pCETzg"
    "$AJ+2VKSve7tzkKXLkeYrt1UWWJg2of4lR/4CvG6oxN8"
)

MIN_LENGTH = 12
MAX_LENGTH = 256


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` is the one hashed; with no hash, False after the same work."""
    try:
        return _hasher.verify(password_hash or _DECOY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why ``password`` may not be chosen (in French, for the form), or None."""
    if len(password) < MIN_LENGTH:
        return f"Le mot de passe doit compter au moins {MIN_LENGTH} caractères."
    if len(password) > MAX_LENGTH:
        return f"Le mot de passe doit compter au plus {MAX_LENGTH} caractères."
    return None


def set_password(session: Session, staff_id: str, password: str) -> None:
    """Give ``staff_id`` this password (replacing any earlier one)."""
    row = session.get(StaffPassword, staff_id)
    if row is None:
        session.add(StaffPassword(staff_id=staff_id, password_hash=hash_password(password)))
    else:
        row.password_hash = hash_password(password)
        row.changed_at = utcnow()
    session.flush()
