"""API tokens: issued with an expiry, revocable, never stored in clear.

A token is 32 random bytes; only its SHA-256 is kept (a fast hash is enough for a
secret that long, and it lets a request find its token with one indexed lookup).
Each token has an expiry (90 days unless asked otherwise) and can be revoked; a
refused token is told why only when it is a real token that was revoked or has
expired, so guessing learns nothing. Last use is recorded at most once a minute
per token, so a busy client does not turn every read into a write.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from workflows.errors import FieldError, InvalidInput, PolicyflowError
from workflows.storage.schema import ApiToken, User

DEFAULT_DAYS = 90
MAX_DAYS = 3650
LAST_USED_PRECISION = timedelta(minutes=1)
UNKNOWN = "Send a valid API token as 'Authorization: Bearer TOKEN'."


class TokenRefused(PolicyflowError):
    """A request's API token does not let it in; ``known`` is False for a token we never issued."""

    http_status = 401

    def __init__(self, message: str = UNKNOWN, known: bool = False):
        super().__init__(message)
        self.known = known


@dataclass(frozen=True)
class IssuedToken:
    """A new token: the secret is in ``token`` and is shown this once."""

    id: int
    username: str
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown about a token later: never the token itself."""

    id: int
    username: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    status: str  # "active", "expired" or "revoked"

    @classmethod
    def of(cls, row: ApiToken, now: datetime) -> "TokenInfo":
        status = "revoked" if row.revoked_at else "expired" if row.expires_at <= now else "active"
        return cls(row.id, row.user.username, row.created_at, row.expires_at, row.last_used_at, row.revoked_at, status)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def checked_days(days: int) -> int:
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        raise InvalidInput([FieldError("expires_in", f"A token lasts from 1 to {MAX_DAYS} days, not {days!r}.")])
    return days


def issue(session: Session, user: User, days: int, now: datetime) -> IssuedToken:
    """Add a token for ``user`` lasting ``days`` from ``now`` to the unit of work."""
    token = secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=token_hash(token), created_at=now,
                   expires_at=now + timedelta(days=checked_days(days)))
    session.add(row)
    session.flush()
    return IssuedToken(row.id, user.username, token, row.expires_at)


def refusal(row, now: datetime) -> TokenRefused | None:
    """Why ``row`` (the token a request sent with its user's ``active``, or None) may not be used now."""
    if row is None or not row.active:
        return TokenRefused()
    if row.revoked_at is not None:
        return TokenRefused(f"This API token was revoked on {stamp(row.revoked_at)}; ask for a new one.", known=True)
    if row.expires_at <= now:
        return TokenRefused(f"This API token expired on {stamp(row.expires_at)}; ask for a new one.", known=True)
    return None


def needs_last_used(row, now: datetime) -> bool:
    return row.last_used_at is None or now - row.last_used_at >= LAST_USED_PRECISION


def note_use(session: Session, token_id: int, now: datetime) -> None:
    """Record a use, unless another request (in any process) recorded one within the minute."""
    session.execute(update(ApiToken).where(
        ApiToken.id == token_id,
        or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - LAST_USED_PRECISION),
    ).values(last_used_at=now))
