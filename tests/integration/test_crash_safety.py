"""A server killed mid-flight loses nothing it confirmed and leaves nothing half-done.

``policyflow serve`` (two gunicorn workers) takes completions from several
clients at once; the whole server is killed with SIGKILL in the middle, then
started again. Every policy must be either before or after each completion: its
task index, its stored workflow and its audit trail agree, every completion a
client was told succeeded is there, and the policy carries on to publication.
"""
from __future__ import annotations

import http.client
import json
import threading
import time

from sqlalchemy import select

from tests.answers import answers_for
from tests.conftest import add_people, make_services
from tests.lifecycle import forms_by_element, policy_row, stored_workflow
from tests.served import ServedApp
from workflows.engine.storable import to_json
from workflows.engine.tasks import current_data, ready_human_tasks
from workflows.storage.schema import AuditEvent, HumanTask

POLICIES = 8
PEOPLE = ("mary", "sam", "alex", "kim", "pat", "eve", "gil", "emma", "ian", "cora")


class Client(threading.Thread):
    """Goes round its people: list my tasks, submit the first; remembers what the server confirmed."""

    def __init__(self, port: int, tokens: dict, people: tuple[str, ...], forms: dict, confirmed: list):
        super().__init__(daemon=True)
        self.port, self.tokens, self.people, self.forms, self.confirmed = port, tokens, people, forms, confirmed
        self.running = True

    def call(self, connection, method: str, path: str, token: str, body=None):
        connection.request(method, path, body=json.dumps(body) if body is not None else None,
                           headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            self.go_round(connection)
        finally:
            connection.close()

    def go_round(self, connection) -> None:
        while self.running:
            for name in self.people:
                try:
                    status, tasks = self.call(connection, "GET", "/api/v1/tasks?limit=3", self.tokens[name])
                    if status != 200 or not tasks:
                        continue
                    task = tasks[0]
                    form = self.forms[task["name"]]
                    status, _body = self.call(connection, "POST", f"/api/v1/tasks/{task['id']}/complete",
                                              self.tokens[name], {"data": answers_for(form)})
                    if status == 200:
                        self.confirmed.append(task["id"])
                except (OSError, http.client.HTTPException, ValueError):
                    connection.close()  # the server is gone (or going): try again until told to stop
                    time.sleep(0.05)


def check_consistent(services, policy_id: int) -> None:
    """Task index, workflow and audit trail of one policy tell the same story."""
    workflow, stored = stored_workflow(services, policy_id)
    with services.database.reading() as session:
        ready = set(session.scalars(select(HumanTask.id).where(HumanTask.policy_id == policy_id,
                                                               HumanTask.state == "ready")))
        done = set(session.scalars(select(HumanTask.id).where(HumanTask.policy_id == policy_id,
                                                              HumanTask.state == "completed")))
        audited = list(session.scalars(select(AuditEvent.task_id).where(AuditEvent.policy_id == policy_id,
                                                                        AuditEvent.action == "task_completed")))
    assert {t.id for t in ready_human_tasks(workflow)} == ready
    assert sorted(audited) == sorted(done), "each completed task is audited exactly once"
    assert policy_row(services, policy_id).version == 1 + len(done), "one saved version per completion"
    assert to_json(current_data(workflow)) == stored.data


def test_killing_the_server_mid_flight_leaves_every_policy_whole(database_url, clock, tmp_path):
    services = make_services(database_url, clock)
    try:
        people = add_people(services)
        policy_ids = [services.commands.start(people["mary"], f"Policy {n}", "Ultrasound") for n in range(POLICIES)]
        bundle = services.processes.bundle(policy_row(services, policy_ids[0]).process_version_id)
        forms = forms_by_element(bundle)
        tokens = {name: services.accounts.create_token(name) for name in PEOPLE}
        server = ServedApp(database_url, tmp_path).start()
        confirmed: list[str] = []
        clients = [Client(server.port, tokens, PEOPLE[i::3] + ("mary",), forms, confirmed) for i in range(3)]
        for client in clients:
            client.start()
        deadline = time.monotonic() + 120
        while len(confirmed) < 12 and time.monotonic() < deadline:  # well into the consultations
            time.sleep(0.01)
        assert len(confirmed) >= 12, f"the clients got only {len(confirmed)} completions through"
        server.kill()
        for client in clients:
            client.running = False
            client.join()

        with services.database.reading() as session:
            completed = set(session.scalars(select(HumanTask.id).where(HumanTask.state == "completed")))
        assert set(confirmed) <= completed, "a completion the server confirmed was lost"
        for policy_id in policy_ids:
            check_consistent(services, policy_id)

        server.start()  # the same database, after the crash: work carries on
        try:
            confirmed_after: list[str] = []
            client = Client(server.port, tokens, PEOPLE, forms, confirmed_after)
            client.start()
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and any(
                    services.queries.policy(people["mary"], p)["status"] != "published" for p in policy_ids):
                time.sleep(0.1)
            client.running = False
            client.join()
        finally:
            server.stop()
        for policy_id in policy_ids:
            assert services.queries.policy(people["mary"], policy_id)["status"] == "published"
            check_consistent(services, policy_id)
    finally:
        services.database.dispose()
