"""A database server that dropped the app's connections (a restart, a network cut) costs no request.

Pooled PostgreSQL connections that sat idle are checked before use and replaced when
they no longer answer (connections in steady use are not: that round trip on every
checkout is what the benchmark showed to cost most).
"""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, exc, text

from workflows.storage import database as store
from workflows.storage.database import Database


def _backend_pid(database: Database) -> int:
    with database.reading() as session:
        return session.execute(text("select pg_backend_pid()")).scalar_one()


def _terminated(url: str, pid: int) -> None:
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text("select pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_an_idle_connection_the_server_closed_is_replaced_before_use(postgres_url, monkeypatch):
    database = Database(postgres_url)
    try:
        first = _backend_pid(database)
        _terminated(postgres_url, first)
        monkeypatch.setattr(store, "PING_AFTER_IDLE_SECONDS", 0.0)  # it has been idle long enough

        assert _backend_pid(database) != first  # answered, on a new connection
    finally:
        database.dispose()


def test_a_connection_used_a_moment_ago_is_trusted(postgres_url):
    """Without the idle check, a closed connection fails the request that finds it (once)."""
    database = Database(postgres_url)
    try:
        first = _backend_pid(database)
        _terminated(postgres_url, first)
        with pytest.raises(exc.OperationalError):
            _backend_pid(database)
        assert _backend_pid(database) != first  # the pool replaced what had failed
    finally:
        database.dispose()
