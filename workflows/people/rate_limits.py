"""Rate-limit counters in the app's own database, as a storage for Flask-Limiter.

Why the database: policyflow may run as several worker processes (gunicorn) or on
several machines over one SQLite or PostgreSQL database, and no Redis or memcached
is guaranteed. Flask-Limiter's ``memory://`` storage counts per process, so with
four workers an attacker would get four times the allowed guesses, and a restart
would forget them. The database is the one thing every process already shares,
and each test already has its own. Only failed sign-ins are counted, so the extra
writes are few; one upsert per counted failure, atomic on both databases.

The strategy is Flask-Limiter's fixed window: ``incr`` opens a window of
``expiry`` seconds at the first counted failure and the count resets when it ends.
Expired rows are swept now and then, so sprayed usernames cannot grow the table
for ever. Time comes from the services' clock, so tests can let a window pass.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from limits.storage import Storage
from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from workflows.storage.database import Database
from workflows.storage.schema import RateLimitWindow

STORAGE_URI = "policyflow-database://"
SWEEP_EVERY_SECONDS = 300
_UPSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class DatabaseStorage(Storage):
    """A ``limits`` storage (``policyflow-database://``) over the app's ``Database``.

    Flask-Limiter builds it from its URI and hands in ``storage_options``:
    ``database`` and ``clock`` (a callable returning an aware ``datetime``)."""

    STORAGE_SCHEME = ["policyflow-database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, *,
                 database: Database, clock: Callable[[], datetime], **options):
        super().__init__(uri, wrap_exceptions, **options)
        if database.engine.dialect.name not in _UPSERTS:
            raise ValueError(f"Rate limits can be kept on SQLite or PostgreSQL, not {database.engine.dialect.name}.")
        self._db = database
        self._clock = clock
        self._upsert = _UPSERTS[database.engine.dialect.name]
        self._last_sweep = float("-inf")

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def _now(self) -> float:
        return self._clock().timestamp()

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to the window of ``key`` (opening a new one if it has ended); the new count."""
        now = self._now()
        table = RateLimitWindow.__table__
        ended = table.c.ends_at <= now
        statement = self._upsert(table).values(key=key, count=amount, ends_at=now + expiry)
        statement = statement.on_conflict_do_update(index_elements=[table.c.key], set_={
            "count": case((ended, amount), else_=table.c.count + amount),
            "ends_at": case((ended, now + expiry), else_=table.c.ends_at),
        }).returning(table.c.count)
        with self._db.transaction() as session:
            count = session.execute(statement).scalar_one()
            if now - self._last_sweep >= SWEEP_EVERY_SECONDS:
                session.execute(delete(RateLimitWindow).where(RateLimitWindow.ends_at <= now))
                self._last_sweep = now
        return count

    def _window(self, key: str) -> RateLimitWindow | None:
        with self._db.reading() as session:
            window = session.get(RateLimitWindow, key)
        return window if window is not None and window.ends_at > self._now() else None

    def get(self, key: str) -> int:
        window = self._window(key)
        return window.count if window else 0

    def get_expiry(self, key: str) -> float:
        window = self._window(key)
        return window.ends_at if window else self._now()

    def check(self) -> bool:
        with self._db.reading() as session:
            return session.scalar(select(1)) == 1

    def reset(self) -> int | None:
        with self._db.transaction() as session:
            return session.execute(delete(RateLimitWindow)).rowcount

    def clear(self, key: str) -> None:
        with self._db.transaction() as session:
            session.execute(delete(RateLimitWindow).where(RateLimitWindow.key == key))
