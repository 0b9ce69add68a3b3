"""Probes for the operator's load balancer or orchestrator: alive (/healthz) and ready (/readyz).

Neither needs signing in, and neither says more than what is up or down.
"""
from __future__ import annotations

from flask import Blueprint, jsonify

from webapp.context import services
from workflows.operations import readiness

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process runs and answers: nothing else is checked (a stuck database must not get it restarted)."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """Ready to serve: database reachable, schema at the newest migration, a sandbox worker answering.
    503 names what failed; mail only says whether a server is configured."""
    found = readiness.check(services().database, services().sandbox, bool(services().mail_settings.smtp_url))
    response = jsonify(found.checks)
    response.headers["Cache-Control"] = "no-store"
    return response, (200 if found.ready else 503)
