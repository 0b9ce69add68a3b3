"""URL converters for the ids in our addresses, so a malformed id is a 404 with a message.

An address is typed by hand, pasted, or made up by a fuzzer. A number the database
cannot hold (PostgreSQL's ``integer`` stops at 2,147,483,647) used to reach the
driver and come back as a 500; a task id of a megabyte went into a query. Each
converter refuses such values while the address is matched, before any view runs,
so every route that declares ``<id:…>`` or ``<task_id:…>`` is covered at once.
"""
from __future__ import annotations

import re

from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter, IntegerConverter

# The smaller of the integer ranges our databases give a primary key (PostgreSQL's
# ``integer``; SQLite's reaches 2**63 - 1), so an id valid here is valid on both.
LARGEST_ID = 2**31 - 1
_TASK_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


class DatabaseId(IntegerConverter):
    """A positive whole number the database can store as an id (``<id:policy_id>``)."""

    regex = r"[0-9]+"  # ASCII digits only: ``\\d`` would also take other scripts' digits

    def to_python(self, value: str) -> int:
        number = int(value) if len(value) <= len(str(LARGEST_ID)) else LARGEST_ID + 1
        if not 1 <= number <= LARGEST_ID:
            raise NotFound(f"There is nothing numbered {_shortened(value)} here: numbers in these addresses "
                           f"go from 1 to {LARGEST_ID}.")
        return number


class TaskId(BaseConverter):
    """A task id as the engine makes them: a UUID (``<task_id:task_id>``), returned in lower case."""

    def to_python(self, value: str) -> str:
        if not _TASK_ID.fullmatch(value):
            raise NotFound(f"There is no task {_shortened(value)}: a task id looks like "
                           "0b0e6a2c-5f1d-4c55-9d8e-2f6e1f3a4b5c.")
        return value.lower()


class ProcessId(BaseConverter):
    """A process id as a BPMN diagram writes it (letters, digits, ``_ . -``; at most 200 characters).
    An unknown one is a 404 from the view, naming it."""

    regex = r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,199}"


def _shortened(value: str, limit: int = 40) -> str:
    """Echo what was asked for, but never a whole megabyte of it."""
    return f"“{value}”" if len(value) <= limit else f"“{value[:limit]}…”"


CONVERTERS = {"id": DatabaseId, "task_id": TaskId, "process_id": ProcessId}
