"""The database: engine set-up and the one place where transactions commit.

Every service method runs inside ``Database.transaction()``; it commits once on
success and rolls back on any exception, so a failed step never leaves half of
its writes behind.
"""
from __future__ import annotations

import fcntl
import os
import threading
import time
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

#: A pooled server connection left unused this long is checked before it is used again.
PING_AFTER_IDLE_SECONDS = 10.0

#: Transactions committed in this context (a request's thread): the web layer runs a request
#: again after a dropped connection only when the count shows it committed nothing.
_COMMITS: ContextVar[int] = ContextVar("commits", default=0)


def commits() -> int:
    return _COMMITS.get()




def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # let the "begin" hook below issue BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA mmap_size=268435456")  # reads from the file mapping, not a system call per page
    cursor.close()


def _sqlite_begin(connection) -> None:
    # Writers take the write lock at BEGIN: two writers then queue instead of one
    # failing with "database is locked" when it upgrades a read transaction.
    readonly = connection.get_execution_options().get("readonly", False)
    connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def _note_idle_since(_dbapi_connection, record) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
    """A connection that sat in the pool for a while may have been closed by a server
    restart or a network cut: check it (the pool then opens a new one). A connection
    in steady use is not checked: that round trip on every checkout cost a busy
    server a sixth of its throughput."""
    idle_since = record.info.get("idle_since")  # None: a new connection, just opened
    if idle_since is None or time.monotonic() - idle_since <= PING_AFTER_IDLE_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
        dbapi_connection.rollback()
    except Exception as error:  # noqa: BLE001 - any failure here means "open a new connection"
        raise exc.DisconnectionError(f"a pooled connection no longer answers: {error}") from error


class _QueuedWriters:
    """Writers to one SQLite file wait in the kernel, not in SQLite's busy loop.

    SQLite makes a writer that finds the database locked sleep and try again (1, 2,
    5 … 100 ms); with several server processes writing, steps spent most of their
    time asleep while the database was free. A blocking lock on a file beside the
    database (flock, between processes; a lock between the threads of one) wakes
    the next writer the moment the previous one has committed.
    """

    def __init__(self, database_path: str):
        self._path = f"{database_path}.writers"
        self._threads = threading.RLock()
        self._fd: int | None = None
        self._pid = os.getpid()
        self._depth = 0

    def close(self) -> None:
        with self._threads:
            if self._fd is not None and self._pid == os.getpid():
                os.close(self._fd)
            self._fd = None

    @contextmanager
    def queued(self) -> Iterator[None]:
        with self._threads:
            if self._fd is None or self._pid != os.getpid():  # a forked process opens its own
                self._fd, self._pid = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
            if self._depth == 0:
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)


class Database:
    def __init__(self, url: str):
        self.url = url
        self.engine: Engine = create_engine(url)
        self._writers = None
        if self.engine.dialect.name != "sqlite":
            event.listen(self.engine.pool, "checkout", _ping_if_idle)
            event.listen(self.engine.pool, "checkin", _note_idle_since)
        else:
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
            if self.engine.url.database not in (None, "", ":memory:"):
                self._writers = _QueuedWriters(self.engine.url.database)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Reads on a server database run outside a transaction: no BEGIN and ROLLBACK round trips
        # around each read. A command's reads need no common snapshot:
        # its write is guarded by the policy version it read first, so anything saved since fails it.
        reads = ({"readonly": True} if self.engine.dialect.name == "sqlite"
                 else {"readonly": True, "isolation_level": "AUTOCOMMIT"})
        self._read_sessions = sessionmaker(self.engine.execution_options(**reads), expire_on_commit=False)

    @contextmanager
    def _migrations(self):
        """Alembic's commands and a config on one transaction of this database (imported
        here: serving never needs them)."""
        from alembic import command
        from alembic.config import Config

        with self.engine.begin() as connection:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            yield command, config

    def create_schema(self, revision: str = "head") -> None:
        """Create or upgrade the tables to the newest migration (or ``revision``); idempotent."""
        with self._migrations() as (command, config):
            command.upgrade(config, revision)

    def check_migrations(self) -> None:
        """Raise if schema.py has changes no migration covers (run by the tests)."""
        with self._migrations() as (command, config):
            command.check(config)

    def new_migration(self, message: str) -> None:
        """Write a migration for the changes in schema.py (for developers; see README)."""
        with self._migrations() as (command, config):
            command.revision(config, message=message, autogenerate=True)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit once at the end, or roll back everything."""
        with self._writers.queued() if self._writers else nullcontext(), self._sessions() as session:
            try:
                yield session
                session.commit()
                _COMMITS.set(_COMMITS.get() + 1)
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only unit of work; the objects read stay usable (detached, not expired)
        after the block. On SQLite its reads share one snapshot; on a server database each
        statement sees what was committed when it ran."""
        with self._read_sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
        if self._writers:
            self._writers.close()
