"""Claiming a policy's due timers, so each fires in one process only.

Every serving process (each gunicorn worker, on every machine) fires due timers
in the background. A policy with a due timer is claimed first with a conditional
update, ``timer_claimed_until = now + LEASE WHERE next_timer_at <= due AND (no
claim or the claim has run out)``, as the mail sender claims a message: of two
processes only one wins the row, whatever the database, and the other moves on
without running the step. The save that fires the timers clears the claim in
the same transaction. A process that stops after claiming holds the policy only
until its lease ends; then another takes it (the step was never saved, so
nothing fires twice). The policy's version check stays the final guard.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update

from workflows.storage.database import Database
from workflows.storage.schema import Policy

#: How long a claim keeps other processes off a policy: far more than one step may take.
LEASE = timedelta(minutes=5)


def claim(database: Database, policy_id: int, due: datetime, now: datetime) -> datetime | None:
    """Claim the policy's timers due by ``due`` (``now`` is the clock); the claim's end, or None
    when another process holds it or nothing is due any more."""
    until = now + LEASE
    with database.transaction() as session:
        won = session.execute(
            update(Policy).where(Policy.id == policy_id, Policy.next_timer_at <= due,
                                 or_(Policy.timer_claimed_until.is_(None), Policy.timer_claimed_until < now))
            .values(timer_claimed_until=until).execution_options(synchronize_session=False)).rowcount
    return until if won == 1 else None


def release(database: Database, policy_id: int, until: datetime) -> None:
    """Give up a claim that was not used (nothing fired, or the step failed): the next round may retry."""
    with database.transaction() as session:
        session.execute(update(Policy).where(Policy.id == policy_id, Policy.timer_claimed_until == until)
                        .values(timer_claimed_until=None).execution_options(synchronize_session=False))
