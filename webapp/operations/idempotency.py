"""``Idempotency-Key`` on the API calls that create or complete something.

A client that got no answer (a timeout, a 503, a dropped connection) cannot tell
whether its call acted. Sent again with the same ``Idempotency-Key`` and body
within 24 hours, the call returns the first answer (status and body) without
acting again; the same key with another body answers 422. Keys belong to the
credential that sent them (a hash of the Authorization header). See
``workflows/operations/idempotency.py``.
"""
from __future__ import annotations

import hashlib
import logging

from flask import Response, g, request
from sqlalchemy import exc

from webapp.context import services
from webapp.operations.database_errors import dropped
from workflows.operations import idempotency

log = logging.getLogger(__name__)
ENDPOINTS = {"api.start_policy", "api.complete", "api.save_draft", "api.report_incident"}
HEADER = "Idempotency-Key"


def _digest(*parts: bytes) -> str:
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


def _twice(action) -> None:
    """Once more on a fresh connection if the connection dropped (the answer was given: keep it)."""
    try:
        action()
    except exc.DBAPIError as error:
        if not dropped(error):
            raise
        action()


def init_app(app) -> None:
    @app.before_request
    def _replay():
        key = request.headers.get(HEADER)
        if key is None or request.endpoint not in ENDPOINTS:
            return None
        client = _digest(request.headers.get("Authorization", "").encode())
        request_hash = _digest(request.method.encode(), request.path.encode(), request.get_data(cache=True))
        first = idempotency.reserve(services().database, client, key, request_hash, services().clock())
        if first is not None:
            response = Response(first.body, status=first.status, mimetype="application/json")
            if first.location:
                response.headers["Location"] = first.location
            response.headers["Idempotent-Replayed"] = "true"
            return response
        g.idempotency = (client, key)
        return None

    @app.after_request
    def _keep(response):
        reserved = g.pop("idempotency", None)
        if reserved is None:
            return response
        client, key = reserved
        try:
            if response.status_code >= 500 or response.status_code == 401:
                _twice(lambda: idempotency.release(services().database, client, key))
            else:
                answer = idempotency.Answer(response.status_code, response.get_data(as_text=True),
                                            response.headers.get("Location"))
                _twice(lambda: idempotency.keep(services().database, client, key, answer))
        except exc.DBAPIError:  # the answer stands; the reservation is taken over after a minute
            log.warning("Could not keep the answer of Idempotency-Key %r", key, exc_info=True)
        return response
