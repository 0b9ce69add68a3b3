"""What operators expect of a running app: probes, metrics, a request log, a site icon.

In-process here (the Flask app over real services); ``test_served_operations``
checks the same against ``policyflow serve`` with several workers.
"""
from __future__ import annotations

import json
import time

import pytest

from tests.conftest import TEST_PASSWORD_METHOD
from webapp import create_app
from workflows.wiring import build_services


def test_healthz_answers_while_the_process_runs(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_reports_each_part_ready(client):
    # Until the first sandbox worker has started (a few seconds on a busy machine) the probe says it is not ready.
    deadline = time.monotonic() + 60
    while (response := client.get("/readyz")).status_code != 200:
        assert response.get_json()["sandbox"].startswith("not answering") and time.monotonic() < deadline, \
            response.get_json()
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "schema": "ok", "sandbox": "ok", "mail": "not configured"}


def _app_over(services, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return create_app({"TESTING": True}, services=services)


def test_readyz_names_a_schema_behind_the_code(tmp_path, monkeypatch, clock):
    services = build_services(f"sqlite:///{tmp_path / 'old.db'}", clock=clock, password_method=TEST_PASSWORD_METHOD)
    try:
        services.database.create_schema("c5aa255653d9")  # an older release's schema
        response = _app_over(services, tmp_path, monkeypatch).test_client().get("/readyz")
        assert response.status_code == 503
        body = response.get_json()
        assert body["database"] == "ok"
        assert body["schema"].startswith("not at head: the database is at c5aa255653d9")
        assert "policyflow init" in body["schema"]
    finally:
        services.database.dispose()


def test_readyz_names_an_unreachable_database(tmp_path, monkeypatch, clock):
    services = build_services(f"sqlite:///{tmp_path / 'missing' / 'folder' / 'x.db'}", clock=clock,
                              password_method=TEST_PASSWORD_METHOD)
    try:
        response = _app_over(services, tmp_path, monkeypatch).test_client().get("/readyz")
        assert response.status_code == 503
        body = response.get_json()
        assert body["database"].startswith("unreachable: OperationalError")
        assert body["sandbox"] == "ok"
    finally:
        services.database.dispose()


def test_metrics_in_prometheus_text_from_this_machine(client, people):
    client.get("/published")
    client.post("/login", data={"username": "mary", "password": "wrong"})
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert 'policyflow_http_requests_total{method="GET",route="/published",status="200"}' in text
    assert 'policyflow_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/published"}' in text
    assert "policyflow_signin_failures_total" in text
    for name in ("policyflow_outbox_waiting", 'policyflow_outbox_failed{status="failed"}', "policyflow_timers_due",
                 "policyflow_engine_step_duration_seconds", "policyflow_sandbox_worker_replacements_total"):
        assert name in text


def test_metrics_refused_from_elsewhere_without_the_token(client):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code == 403
    assert "POLICYFLOW_METRICS_TOKEN" in response.get_data(as_text=True)


def test_metrics_behind_a_proxy_need_the_client_on_this_machine_too(client, app):
    app.config["TRUSTED_PROXIES"] = 1
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403
    assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200


def test_metrics_with_a_token_need_it_from_everywhere(client, app):
    app.config["METRICS_TOKEN"] = "scrape-me"
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 403
    answered = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"},
                          environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert answered.status_code == 200


def _request_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_one_json_line_per_request_with_the_incoming_request_id(client, people, tokens, capsys):
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['mary']}",
                                                 "X-Request-ID": "lb-1234"})
    assert response.headers["X-Request-ID"] == "lb-1234"
    line = _request_lines(capsys.readouterr().err)[-1]
    assert set(line) == {"time", "request_id", "method", "route", "status", "ms", "user"}
    assert (line["request_id"], line["method"], line["route"], line["status"], line["user"]) == \
        ("lb-1234", "GET", "/api/v1/me", 200, "mary")


@pytest.mark.parametrize("incoming", [None, "", "x" * 200, "bad id with spaces\"quotes\""])
def test_a_missing_or_unusable_request_id_is_replaced(client, capsys, incoming):
    headers = {"X-Request-ID": incoming} if incoming is not None else {}
    response = client.get("/published/9999", headers=headers)
    made = response.headers["X-Request-ID"]
    assert made and made != incoming and len(made) == 32
    line = _request_lines(capsys.readouterr().err)[-1]
    assert (line["request_id"], line["route"], line["status"], line["user"]) == \
        (made, "/published/<id:policy_id>", 404, None)


def test_the_site_icon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\0\0\1\0"
