"""``Idempotency-Key``: a repeated API call returns its first answer instead of acting again.

A call with a key first reserves it (an insert under a unique constraint: of two
repeats arriving together, one acts and the other is told to wait); the answer is
kept with it for 24 hours. A repeat with the same key and the same request gets
that answer; the same key with another request is refused (422). An answer the
server could not give (5xx) is not kept, so the repeat acts. A reservation whose
process stopped before answering is taken over after ``STALE``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exc, select, update

from workflows.errors import Conflict, FieldError, InvalidInput
from workflows.storage.database import Database
from workflows.storage.schema import IdempotencyKey

KEPT = timedelta(hours=24)
STALE = timedelta(minutes=1)
MAX_KEY = 200


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    location: str | None


def reserve(database: Database, client: str, key: str, request_hash: str, now: datetime) -> Answer | None:
    """The first answer to this call (a repeat), or None after reserving the key (act, then ``keep``)."""
    if not key or len(key) > MAX_KEY:
        raise InvalidInput([FieldError("Idempotency-Key", f"The Idempotency-Key must be 1 to {MAX_KEY} characters.")])
    try:
        with database.transaction() as session:
            session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < now - KEPT))
            found = session.scalar(select(IdempotencyKey).where(IdempotencyKey.client == client,
                                                                IdempotencyKey.key == key))
            if found is None:
                session.add(IdempotencyKey(client=client, key=key, request_hash=request_hash, created_at=now))
                return None
            if found.request_hash != request_hash:
                raise InvalidInput([FieldError("Idempotency-Key", "This Idempotency-Key was used for a different "
                                                                  "request in the last 24 hours; use a new key.")])
            if found.status is not None:
                return Answer(found.status, found.body or "", found.location)
            if found.created_at >= now - STALE:
                raise Conflict("A request with this Idempotency-Key is still being answered; try again in a moment.")
            found.created_at = now  # its process stopped before answering: this call acts instead
            return None
    except exc.IntegrityError:
        raise Conflict("A request with this Idempotency-Key is still being answered; try again in a moment.") from None


def keep(database: Database, client: str, key: str, answer: Answer) -> None:
    with database.transaction() as session:
        session.execute(update(IdempotencyKey).where(IdempotencyKey.client == client, IdempotencyKey.key == key)
                        .values(status=answer.status, body=answer.body, location=answer.location))


def release(database: Database, client: str, key: str) -> None:
    """Forget a reservation whose call was not answered (5xx): a repeat acts."""
    with database.transaction() as session:
        session.execute(delete(IdempotencyKey).where(IdempotencyKey.client == client, IdempotencyKey.key == key,
                                                     IdempotencyKey.status.is_(None)))
