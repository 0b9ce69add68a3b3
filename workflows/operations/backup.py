"""Backing up and restoring the database while (for backups) the app keeps serving.

SQLite: the online backup API copies the database page by page under one read
snapshot, so the copy is the database as of one moment even while steps commit,
and the copy is itself a SQLite file. PostgreSQL: ``pg_dump`` in its custom
format (one snapshot for the whole dump), restored with ``pg_restore``; both come
from Debian's ``postgresql-client``. With a ``search_path`` in the URL (tables in
a schema of their own) only that schema is dumped.

A restore refuses a database that already holds tables unless forced: restoring
over live data is rarely what someone means.
"""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import parse_qs

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from workflows.errors import PolicyflowError
from workflows.storage.database import Database

SQLITE_HEADER = b"SQLite format 3\0"
PG_DUMP_HEADER = b"PGDMP"


class BackupError(PolicyflowError):
    """A backup or restore that cannot be done; the message says why and what to do."""

    http_status = 409


def backup(database: Database, file: Path) -> str:
    """Copy the database to ``file`` (replacing it); a sentence saying what was copied."""
    if _is_sqlite(database):
        source = sqlite3.connect(_sqlite_path(database))
        target = sqlite3.connect(file)
        try:
            with target:
                source.backup(target)  # all pages in one step: one snapshot, whatever commits meanwhile
        finally:
            target.close()
            source.close()
        return f"SQLite database copied to {file} (online backup)."
    schema = _schema(database)
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={file}",
          *([f"--schema={schema}"] if schema else []), f"--dbname={_libpq_url(database)}"])
    return f"PostgreSQL database dumped to {file} (pg_dump, custom format{f', schema {schema}' if schema else ''})."


def restore(database: Database, file: Path, force: bool = False) -> str:
    """Restore ``file`` (a backup of the same kind of database) into this database."""
    if not file.is_file():
        raise BackupError(f"There is no backup file at {file}.")
    header = file.read_bytes()[:16]
    if not force and (tables := _tables(database)):
        raise BackupError(f"The database is not empty (it has {len(tables)} tables, such as {tables[0]}); "
                          "restore into an empty database, or give --force to replace what it holds.")
    if _is_sqlite(database):
        if not header.startswith(SQLITE_HEADER):
            raise BackupError(f"{file} is not a SQLite backup; this database is SQLite.")
        database.dispose()  # no pooled connection may keep reading the old pages
        source = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        target = sqlite3.connect(_sqlite_path(database))
        try:
            source.backup(target)  # replaces every page of the target
        finally:
            target.close()
            source.close()
        return f"Restored {file} into the SQLite database."
    if not header.startswith(PG_DUMP_HEADER):
        raise BackupError(f"{file} is not a pg_dump custom-format backup; this database is PostgreSQL.")
    database.dispose()
    _run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          *(["--clean", "--if-exists"] if force else []), f"--dbname={_libpq_url(database)}", str(file)])
    return f"Restored {file} into the PostgreSQL database."


def _is_sqlite(database: Database) -> bool:
    return database.engine.dialect.name == "sqlite"


def _sqlite_path(database: Database) -> str:
    path = database.engine.url.database
    if path in (None, "", ":memory:"):
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return path


def _tables(database: Database) -> list[str]:
    with database.engine.connect() as connection:
        return sorted(inspect(connection).get_table_names())


def _schema(database: Database) -> str | None:
    """The schema named by ``options=-csearch_path=…`` in the URL, if any."""
    query = database.url.split("?", 1)[1] if "?" in database.url else ""
    for option in parse_qs(query).get("options", []):
        if option.startswith("-csearch_path="):
            return option.split("=", 1)[1].split(",")[0].strip()
    return None


def _libpq_url(database: Database) -> str:
    """The URL as libpq reads it (without SQLAlchemy's ``+driver``)."""
    url = make_url(database.url)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed; install Debian's postgresql-client (make setup does).")
    return found


def _run(command: list[str]) -> None:
    finished = subprocess.run(command, capture_output=True, text=True)
    if finished.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {finished.stderr.strip() or finished.returncode}")
