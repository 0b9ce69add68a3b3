"""One JSON line per request on standard error, and a request id that follows it.

An incoming ``X-Request-ID`` (a proxy's or a client's) is kept when it is a plain
token, or a new one is made; either way it is echoed on the response and logged,
so a person's report, the proxy's log and ours can be matched. Each line holds
time, request id, method, route (the rule, not the path: no ids or query
strings), status, milliseconds and user.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone

from flask import g, request

log = logging.getLogger("policyflow.requests")
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


class _Stderr(logging.StreamHandler):
    """Writes to whatever standard error is at the time (a test run swaps it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def _configure() -> None:
    if not log.handlers:
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


def request_id() -> str:
    return getattr(g, "request_id", "")


def user_name() -> str | None:
    """Who made the request, if known without another query (the API's token, a page's session)."""
    actor = getattr(g, "actor", None)
    if actor is not None:
        return actor.username
    signed_in = getattr(g, "_login_user", None)  # Flask-Login's, once the request has read it
    return getattr(getattr(signed_in, "actor", None), "username", None)


def route() -> str:
    return request.url_rule.rule if request.url_rule is not None else "(no route)"


def init_app(app) -> None:
    _configure()

    @app.before_request
    def _start():
        g.started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _ACCEPTED_ID.fullmatch(incoming) else uuid.uuid4().hex

    @app.after_request
    def _logged(response):
        response.headers["X-Request-ID"] = request_id()
        started = getattr(g, "started", None)
        log.info(json.dumps({
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "request_id": request_id(),
            "method": request.method,
            "route": route(),
            "status": response.status_code,
            "ms": round((time.perf_counter() - started) * 1000, 1) if started is not None else None,
            "user": user_name(),
        }))
        return response
