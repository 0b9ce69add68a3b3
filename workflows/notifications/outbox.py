"""The outbox: mail waiting to be sent, with what happened to each message.

A message is added in the same transaction as the change that causes it, so a
step that is saved always has its mail, and a step that is not saved has none.
States: ``pending`` (waiting, or waiting for its next try), ``sending`` (claimed
by a sender, with a lease), ``sent``, ``failed`` (gave up after retries, or could
never be sent) and ``uncertain`` (the sender stopped while handing it over, so it
may have arrived: never sent again without an admin's say).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from workflows.errors import Conflict, NotFound
from workflows.storage.schema import OutboxMessage, User

#: A digest goes out once a day, at this time (UTC), with everything since the last one.
DIGEST_TIME = time(7, 0)
ATTENTION = ("failed", "uncertain")


def next_digest(now: datetime) -> datetime:
    today = now.replace(hour=DIGEST_TIME.hour, minute=DIGEST_TIME.minute, second=0, microsecond=0)
    return today if today > now else today + timedelta(days=1)


def message(user, *, kind: str, subject: str, body: str, now: datetime, policy_id: int | None = None,
            task_id: str | None = None) -> dict:
    """One outbox row for ``user`` (anything with username, email and mail_digest), at once or
    in their next digest; one for a person without an address is kept as failed, so an admin
    sees who could not be told and can add their address."""
    digest = bool(user.mail_digest) and kind != "digest"
    address = user.email or None
    return dict(recipient=user.username, address=address, kind=kind, subject=subject[:300], body=body,
                policy_id=policy_id, task_id=task_id, digest=digest,
                status="pending" if address else "failed", attempts=0, created_at=now,
                next_attempt_at=next_digest(now) if digest else now,
                last_error=None if address else f"{user.username} has no e-mail address.")


def add(session: Session, messages: list[dict]) -> None:
    """Add the messages to the unit of work, in one statement."""
    if messages:
        session.execute(insert(OutboxMessage), messages)


def enqueue(session: Session, user, **fields) -> None:
    """Add one message for ``user`` to the unit of work (see ``message``)."""
    add(session, [message(user, **fields)])


@dataclass(frozen=True)
class OutboxRow:
    """What the admin page shows of a message (never its body: it may be about someone's task)."""

    id: int
    recipient: str
    address: str | None
    kind: str
    subject: str
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str | None
    digest: bool

    @classmethod
    def of(cls, row: OutboxMessage) -> "OutboxRow":
        return cls(row.id, row.recipient, row.address, row.kind, row.subject, row.status, row.attempts,
                   row.created_at, row.next_attempt_at, row.sent_at, row.last_error, row.digest)


def listing(session: Session, statuses: tuple[str, ...], limit: int = 200) -> list[OutboxRow]:
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.status.in_(statuses))
                           .order_by(OutboxMessage.id.desc()).limit(limit))
    return [OutboxRow.of(row) for row in rows]


def counts(session: Session) -> dict[str, int]:
    return dict(session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())


def retry(session: Session, message_id: int, now: datetime) -> OutboxRow:
    """Put a failed or uncertain message back in the queue (with its address as it is now)."""
    row = session.get(OutboxMessage, message_id)
    if row is None:
        raise NotFound(f"There is no message {message_id} in the outbox.")
    address = session.scalar(select(User.email).where(User.username == row.recipient))
    done = session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id,
                                                       OutboxMessage.status.in_(ATTENTION))
                           .values(status="pending", attempts=0, next_attempt_at=now, lease_until=None,
                                   claimed_by=None, handed_over_at=None, address=address or row.address,
                                   last_error=None)).rowcount
    if done != 1:
        raise Conflict(f"Message {message_id} is {row.status}, not failed; it is not retried.")
    session.refresh(row)
    return OutboxRow.of(row)
