"""``Idempotency-Key``: a repeat returns the first answer without acting again; another body is refused."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.answers import answers_for
from tests.lifecycle import task_of
from webapp.api.openapi import document
from webapp.operations.idempotency import HEADER
from workflows.storage.schema import AuditEvent, Policy

API = "/api/v1"


def headers(token: str, key: str | None = None) -> dict:
    return {"Authorization": f"Bearer {token}", **({"Idempotency-Key": key} if key else {})}


def count(services, model, *where) -> int:
    with services.database.reading() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_repeated_start_returns_the_first_answer_and_starts_one_policy(client, services, tokens):
    body = {"title": "Recording during ultrasound", "department": "Ultrasound"}
    first = client.post(f"{API}/policies", json=body, headers=headers(tokens["mary"], "start-1"))
    again = client.post(f"{API}/policies", json=body, headers=headers(tokens["mary"], "start-1"))
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(services, Policy) == 1


def test_a_repeated_completion_is_saved_once_and_answered_as_the_first(client, services, people, tokens):
    services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    task = task_of(services, people["mary"], "draft_policy")
    body = {"data": answers_for(task["form"])}
    first = client.post(f"{API}/tasks/{task['id']}/complete", json=body, headers=headers(tokens["mary"], "c-1"))
    again = client.post(f"{API}/tasks/{task['id']}/complete", json=body, headers=headers(tokens["mary"], "c-1"))
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.get_json() == first.get_json()
    assert count(services, AuditEvent, AuditEvent.task_id == task["id"], AuditEvent.action == "task_completed") == 1
    without_key = client.post(f"{API}/tasks/{task['id']}/complete", json=body, headers=headers(tokens["mary"]))
    assert without_key.status_code == 409  # without the key, the repeat is a new call


# Every call the API's document says takes the key (a client learns of it there, nowhere else).
DOCUMENTED = sorted(path for path, operations in document()["paths"].items() for operation in operations.values()
                    if any(p["name"] == HEADER for p in operation.get("parameters", [])))


def bodies(path: str, task_form: str) -> tuple[dict, dict]:
    """A body the call acts on, and another."""
    return {"/policies": ({"title": "A", "department": "Ultrasound"}, {"title": "B", "department": "Ultrasound"}),
            "/tasks/{task_id}/complete": ({"data": answers_for(task_form)}, {"data": {}}),
            "/tasks/{task_id}/draft": ({"data": {}}, {"data": {"title": "x"}}),
            "/policies/{policy_id}/incidents": (
                {"occurred_on": "2026-01-01", "description": "a", "action_taken": "b"},
                {"occurred_on": "2026-01-01", "description": "c", "action_taken": "d"})}[path]


@pytest.mark.parametrize("path", DOCUMENTED)
def test_every_call_documented_with_the_key_answers_a_repeat_as_the_first_and_refuses_another_body(
        client, services, people, tokens, path):
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    task = task_of(services, people["mary"], "draft_policy")
    url = API + path.format(task_id=task["id"], policy_id=policy_id)
    body, other_body = bodies(path, task["form"])
    first = client.post(url, json=body, headers=headers(tokens["mary"], "k"))
    assert first.status_code in (200, 201), first.get_json()
    again = client.post(url, json=body, headers=headers(tokens["mary"], "k"))
    assert (again.status_code, again.get_json(), again.headers["Idempotent-Replayed"]) == \
        (first.status_code, first.get_json(), "true")
    other = client.post(url, json=other_body, headers=headers(tokens["mary"], "k"))
    assert other.status_code == 422
    assert other.get_json()["errors"] == [{"field": "Idempotency-Key", "message": "This Idempotency-Key was used "
                                           "for a different request in the last 24 hours; use a new key."}]


def test_keys_belong_to_the_credential_that_sent_them(client, services, tokens):
    body = {"title": "Recording during ultrasound", "department": "Ultrasound"}
    assert client.post(f"{API}/policies", json=body, headers=headers(tokens["mary"], "same")).status_code == 201
    assert client.post(f"{API}/policies", json=body, headers=headers(tokens["olga"], "same")).status_code == 403
