"""When the database connection drops: run the request again if that is safe, else answer 503.

A dropped connection (a database restart, a failover, an administrator ending
sessions) fails the statement that finds it; SQLAlchemy then replaces every pooled
connection opened before. So a request that committed nothing (a read, or a write
that failed before its commit) is run once more, on fresh connections. A request
that did commit is not run again (it would act twice): its answer is read back on
a fresh connection (``read_back``). Anything else answers 503 with ``Retry-After``
and a plain message, never 500. A connection that drops during the COMMIT itself
leaves the outcome unknown: ``Idempotency-Key`` lets a client repeat such a call
safely (see ``webapp/operations/idempotency.py``).
"""
from __future__ import annotations

import logging
from functools import wraps
from typing import Callable, TypeVar

from flask import Response
from sqlalchemy import exc

from webapp.plumbing.errors import respond, wants_json
from workflows.storage import database as store

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5
T = TypeVar("T")


def dropped(error: BaseException) -> bool:
    """The connection was lost (not a wrong statement or a broken constraint)."""
    return isinstance(error, exc.DBAPIError) and bool(error.connection_invalidated)


def read_back(read: Callable[[], T]) -> T:
    """The answer of a committed write, read once more if the connection dropped while reading it."""
    try:
        return read()
    except exc.DBAPIError as error:
        if not dropped(error):
            raise
        log.warning("Database connection dropped after a commit; reading the answer back on a new one")
        return read()


def _run_again_if_nothing_committed(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        before = store.commits()
        try:
            return view(*args, **kwargs)
        except exc.DBAPIError as error:
            if not dropped(error) or store.commits() != before:
                raise
            log.warning("Database connection dropped before anything was committed; running the request again")
            return view(*args, **kwargs)
    return wrapped


def init_app(app) -> None:
    """Call last in the factory: wraps every view registered so far."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static":
            app.view_functions[endpoint] = _run_again_if_nothing_committed(view)

    @app.errorhandler(exc.OperationalError)
    @app.errorhandler(exc.InterfaceError)
    def _unavailable(error):
        log.warning("Database unavailable: %s", str(error).splitlines()[0] if str(error) else type(error).__name__)
        message = "The database could not be reached for a moment. Please try again in a few seconds."
        if wants_json():
            response, status = respond(503, message)
        else:  # not the page template: its header reads the signed-in person from the database
            response, status = Response(f"<!doctype html><title>Try again in a moment</title><p>{message}</p>",
                                        mimetype="text/html"), 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response, status
