"""The database drops the app's connections in the middle of a burst of completions: no 500s.

``policyflow serve`` (two workers) on PostgreSQL takes completions from several
clients; meanwhile every connection the app holds is terminated, several times. A
request that committed nothing is run again on a fresh connection, a committed one
reads its answer back on a fresh connection, anything else answers 503 with
Retry-After. No answer may be a 500, and every completion acknowledged with 200 is
saved exactly once.
"""
from __future__ import annotations

import time
import uuid
from collections import Counter

from sqlalchemy import create_engine, select, text

from tests.conftest import add_people, make_services
from tests.integration.test_crash_safety import PEOPLE, Client, check_consistent
from tests.lifecycle import forms_by_element, policy_row
from tests.served import ServedApp
from workflows.storage.schema import HumanTask

POLICIES = 8
TERMINATIONS = 4


class CountingClient(Client):
    """The crash-safety client, also counting every status it was answered with."""

    def __init__(self, *args, statuses: Counter):
        super().__init__(*args)
        self.statuses = statuses

    def call(self, connection, method, path, token, body=None):
        status, answer = super().call(connection, method, path, token, body)
        self.statuses[status] += 1
        return status, answer


def _terminate(url: str, application: str) -> int:
    admin = create_engine(url)
    try:
        with admin.begin() as connection:
            return len(connection.execute(text(
                "select pg_terminate_backend(pid) from pg_stat_activity where application_name = :name"),
                {"name": application}).all())
    finally:
        admin.dispose()


def test_terminated_connections_cost_no_500_and_no_acknowledged_completion(postgres_url, clock, tmp_path):
    services = make_services(postgres_url, clock)
    application = f"policyflow_blink_{uuid.uuid4().hex[:8]}"
    app_url = f"{postgres_url}&application_name={application}"
    try:
        people = add_people(services)
        policy_ids = [services.commands.start(people["mary"], f"Policy {n}", "Ultrasound") for n in range(POLICIES)]
        forms = forms_by_element(services.processes.bundle(policy_row(services, policy_ids[0]).process_version_id))
        tokens = {name: services.accounts.create_token(name) for name in PEOPLE}
        server = ServedApp(app_url, tmp_path, workers=2).start()
        confirmed: list[str] = []
        statuses: Counter = Counter()
        clients = [CountingClient(server.port, tokens, PEOPLE[i::3] + ("mary",), forms, confirmed, statuses=statuses)
                   for i in range(3)]
        try:
            for client in clients:
                client.start()
            terminated = 0
            deadline = time.monotonic() + 180
            for round_number in range(1, TERMINATIONS + 1):
                while len(confirmed) < 5 * round_number and time.monotonic() < deadline:
                    time.sleep(0.01)
                terminated += _terminate(postgres_url, application)
            while len(confirmed) < 5 * (TERMINATIONS + 1) and time.monotonic() < deadline:
                time.sleep(0.01)  # and it carries on afterwards
        finally:
            for client in clients:
                client.running = False
            for client in clients:
                client.join()
            server.stop()
        assert terminated >= TERMINATIONS, "the app's connections were terminated in the middle of the burst"
        assert len(confirmed) >= 5 * (TERMINATIONS + 1), f"only {len(confirmed)} completions got through"
        assert statuses[500] == 0, statuses
        with services.database.reading() as session:
            completed = set(session.scalars(select(HumanTask.id).where(HumanTask.state == "completed")))
        assert set(confirmed) <= completed, "an acknowledged completion was lost"
        assert len(confirmed) == len(set(confirmed)), "a task was acknowledged twice"
        for policy_id in policy_ids:
            check_consistent(services, policy_id)  # each completion saved (and audited) exactly once
    finally:
        services.database.dispose()


def test_an_unreachable_database_answers_503_with_retry_after(tmp_path, monkeypatch, clock):
    from tests.conftest import TEST_PASSWORD_METHOD
    from webapp import create_app
    from workflows.wiring import build_services

    services = build_services(f"sqlite:///{tmp_path / 'gone' / 'x.db'}", clock=clock,
                              password_method=TEST_PASSWORD_METHOD)
    monkeypatch.chdir(tmp_path)
    try:
        client = create_app({"TESTING": True}, services=services).test_client()
        api = client.get("/api/v1/tasks", headers={"Authorization": "Bearer some-token"})
        assert (api.status_code, api.headers["Retry-After"]) == (503, "5")
        assert api.get_json() == {"errors": [{"field": None, "message": "The database could not be reached for a "
                                                                       "moment. Please try again in a few seconds."}]}
        page = client.get("/published")
        assert (page.status_code, page.headers["Retry-After"]) == (503, "5")
        assert "Please try again in a few seconds." in page.get_data(as_text=True)
    finally:
        services.database.dispose()
