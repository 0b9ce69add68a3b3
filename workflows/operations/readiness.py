"""Is this process ready to serve? The database answers, its schema is at the newest
migration, and a sandbox worker answers; mail is reported as configured or not.

Each check says in words what failed, for the operator reading the probe's answer.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import text

from workflows.sandbox import Sandbox
from workflows.storage.database import MIGRATIONS, Database


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, str]

    @property
    def ready(self) -> bool:
        return all(value in ("ok", "not configured") for value in self.checks.values())


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest migration shipped with this code (read once: it cannot change while running)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def check(database: Database, sandbox: Sandbox, mail_configured: bool) -> Readiness:
    checks = {}
    try:
        with database.reading() as session:
            session.execute(text("SELECT 1"))
            try:
                current = session.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
            except Exception:  # noqa: BLE001 - no version table: the schema was never created
                current = []
        checks["database"] = "ok"
        head = head_revision()
        checks["schema"] = "ok" if current == [head] else (
            f"not at head: the database is at {', '.join(current) or 'no revision'}, the code needs {head}; "
            "run `policyflow init`")
    except Exception as error:  # noqa: BLE001 - any failure to reach it means "unreachable", said with the cause
        checks["database"] = f"unreachable: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        checks["schema"] = "unknown: the database is unreachable"
    try:
        checks["sandbox"] = "ok" if sandbox.ping() else "not answering: no sandbox worker answered within 2 s"
    except OSError as error:
        checks["sandbox"] = f"not answering: a sandbox worker could not be started: {error}"
    checks["mail"] = "ok" if mail_configured else "not configured"
    return Readiness(checks)
