"""``GET /metrics`` in Prometheus text, through prometheus-client, for every worker of a server.

Counts kept in the process (requests, latencies, engine steps, sandbox worker
replacements, sign-in failures) are written by each gunicorn worker into
``PROMETHEUS_MULTIPROC_DIR`` (``serve`` sets one up) and added together at each
scrape, whichever worker answers it. What the database knows (outbox waiting
and failed, timers due) is read at the scrape. The page is for the operator:
with ``POLICYFLOW_METRICS_TOKEN`` set it needs ``Authorization: Bearer`` that
token, without it only the machine itself (loopback) may read it.
"""
from __future__ import annotations

import hmac
import ipaddress
import os
import time

from flask import Blueprint, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from webapp.context import services
from webapp.operations.request_log import route
from workflows.storage.schema import OutboxMessage, Policy

bp = Blueprint("metrics", __name__)

REQUESTS = Counter("policyflow_http_requests", "Requests answered, by route and status",
                   ["method", "route", "status"])
LATENCY = Histogram("policyflow_http_request_duration_seconds", "Time to answer a request, by route",
                    ["method", "route"])
STEPS = Histogram("policyflow_engine_step_duration_seconds", "Engine steps in the sandbox, by operation",
                  ["operation"], buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))
REPLACEMENTS = Counter("policyflow_sandbox_worker_replacements", "Sandbox workers stopped and replaced "
                       "(a step broke a limit)")
SIGNIN_FAILURES = Counter("policyflow_signin_failures", "Sign-ins refused (wrong password or paused)")


class _StepObserver:
    def step(self, operation: str, seconds: float, replaced: bool) -> None:
        STEPS.labels(operation).observe(seconds)
        if replaced:
            REPLACEMENTS.inc()


class _DatabaseGauges:
    """What the database knows, read at each scrape (the same for every worker)."""

    def __init__(self, app_services):
        self._services = app_services

    def collect(self):
        now = self._services.clock()
        with self._services.database.reading() as session:
            outbox = dict(session.execute(select(OutboxMessage.status, func.count())
                                          .group_by(OutboxMessage.status)).all())
            due = session.scalar(select(func.count()).select_from(Policy).where(Policy.next_timer_at <= now))
        waiting = GaugeMetricFamily("policyflow_outbox_waiting", "Mail waiting to be sent (pending or being sent)")
        waiting.add_metric([], outbox.get("pending", 0) + outbox.get("sending", 0))
        failed = GaugeMetricFamily("policyflow_outbox_failed", "Mail needing an admin, by status",
                                   labels=["status"])
        for status in ("failed", "uncertain"):
            failed.add_metric([status], outbox.get(status, 0))
        timers = GaugeMetricFamily("policyflow_timers_due", "Policies with a timer due now (fired by the next round)")
        timers.add_metric([], due or 0)
        return [waiting, failed, timers]


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())
    addresses = [request.remote_addr or ""]
    hops = current_app.config.get("TRUSTED_PROXIES", 0)
    if hops:  # behind a proxy the peer is the proxy: the client it saw must be this machine too
        forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",") if a.strip()]
        addresses.append(forwarded[-hops] if len(forwarded) >= hops else "")
    try:
        return all(ipaddress.ip_address(address).is_loopback for address in addresses)
    except ValueError:
        return False


@bp.get("/metrics")
def metrics():
    if not _allowed():
        abort(403, "Metrics are for the operator: send POLICYFLOW_METRICS_TOKEN as a bearer token "
                   "(or, with no token set, ask from this machine).")
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    database = CollectorRegistry()
    database.register(_DatabaseGauges(services()))
    return Response(generate_latest(registry) + generate_latest(database), mimetype=CONTENT_TYPE_LATEST)


def init_app(app) -> None:
    app.extensions["policyflow"].sandbox.observer = _StepObserver()

    @app.before_request
    def _start():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _count(response):
        started = getattr(g, "metrics_started", None)
        if started is not None:
            rule = route()
            REQUESTS.labels(request.method, rule, str(response.status_code)).inc()
            LATENCY.labels(request.method, rule).observe(time.perf_counter() - started)
        # Counted from the answer, so sign-in code stays as it is: 401 a wrong password, 429 paused.
        if request.endpoint == "auth.login" and request.method == "POST" and response.status_code in (401, 429):
            SIGNIN_FAILURES.inc()
        return response
