"""Deadlines, who has not answered, claims and reassignment, through the API as people use it.

Due dates come from the diagram (the staff consultation's deadline timer, ``dueIn``
on acknowledgements); time is the test's clock, and ``fire_due_timers`` is what
``policyflow timers run`` calls.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.answers import answers_for
from tests.lifecycle import audit_events, complete, task_of, to_published, to_signoff

API = "/api/v1"
STAFF = ("sam", "alex", "kim")


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def consulting(services, people) -> int:
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    return policy_id


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# ----------------------------------------------------------------- due dates

def test_the_consultation_task_is_due_at_its_deadline_and_the_api_shows_it(client, services, people, tokens, clock):
    consulting(services, people)
    (task,) = client.get(f"{API}/tasks", headers=auth(tokens["sam"])).get_json()
    assert task["name"] == "staff_consultation" and task["overdue"] is False
    assert at(task["due_at"]) == clock.now + timedelta(days=14)
    assert at(client.get(f"{API}/tasks/{task['id']}", headers=auth(tokens["sam"])).get_json()["due_at"]) == \
        clock.now + timedelta(days=14)


def test_overdue_tasks_come_first_in_the_inbox(client, services, people, tokens, clock):
    policy_id = to_published(services, people)  # sam: an acknowledgement due in 14 days
    clock.advance(days=10)
    second = consulting(services, people)  # sam: a consultation due in 14 days from now
    clock.advance(days=5)
    tasks = client.get(f"{API}/tasks", headers=auth(tokens["sam"])).get_json()
    assert [(t["policy_id"], t["name"], t["overdue"]) for t in tasks] == [
        (policy_id, "acknowledge_policy", True), (second, "staff_consultation", False)]


def test_the_consultation_closes_at_its_deadline_recording_who_did_not_answer(services, people, clock):
    policy_id = consulting(services, people)
    complete(services, people["sam"], "staff_consultation")
    complete(services, people["pat"], "patient_consultation")
    complete(services, people["eve"], "equality_impact")
    clock.advance(days=13)
    assert services.commands.fire_due_timers() == []
    clock.advance(days=1, minutes=1)
    fired = services.commands.fire_due_timers()
    assert fired == [(policy_id, ["consultation_deadline", "consultation_deadline"])]
    assert [t["name"] for t in services.queries.inbox(people["alex"])] == []
    reassess = task_of(services, people["mary"], "reassess_risks")  # the consultation is shown beside it
    context = services.queries.task_page(people["mary"], reassess["id"]).context
    assert (context.consultation.staff_responses, context.consultation.no_response) == (1, 2)
    complete(services, people["mary"], "reassess_risks")
    revise = task_of(services, people["mary"], "revise_policy")
    context = services.queries.task_page(people["mary"], revise["id"]).context
    assert (context.consultation.staff_responses, context.consultation.no_response) == (1, 2)


def test_the_manager_closes_the_consultation_early_through_the_api(client, services, people, tokens):
    policy_id = consulting(services, people)
    complete(services, people["sam"], "staff_consultation")
    refused = client.post(f"{API}/policies/{policy_id}/consultation/close", headers=auth(tokens["sam"]))
    assert refused.status_code == 403
    closed = client.post(f"{API}/policies/{policy_id}/consultation/close", headers=auth(tokens["mary"]))
    assert closed.status_code == 200
    assert sorted(t["name"] for t in closed.get_json()["ready_tasks"]) == ["equality_impact", "patient_consultation"]
    again = client.post(f"{API}/policies/{policy_id}/consultation/close", headers=auth(tokens["mary"]))
    assert again.status_code == 409 and "No staff consultation is open" in again.get_json()["errors"][0]["message"]
    assert [e.action for e in audit_events(services, policy_id=policy_id)][-1] == "consultation_closed"


# ----------------------------------------------------------------- who has not answered

def test_only_the_manager_sees_whom_each_consultation_task_waits_for(client, services, people, tokens):
    policy_id = consulting(services, people)
    complete(services, people["sam"], "staff_consultation")
    as_manager = client.get(f"{API}/policies/{policy_id}", headers=auth(tokens["mary"])).get_json()
    waiting = sorted(t["assignee"] for t in as_manager["ready_tasks"] if t["name"] == "staff_consultation")
    assert waiting == ["alex", "kim"]
    for name in ("sam", "emma", "pat"):
        seen = client.get(f"{API}/policies/{policy_id}", headers=auth(tokens[name])).get_json()
        assert all("assignee" not in t for t in seen["ready_tasks"]), name


# ----------------------------------------------------------------- claim, release, reassign

def test_a_shared_task_is_claimed_by_one_and_released(client, services, people, tokens):
    services.accounts.add_user("erin", "pw", ["employer"])
    erin = services.accounts.create_token("erin")
    policy_id = to_signoff(services, people)
    task_id = task_of(services, people["emma"], "employer_signoff")["id"]
    claimed = client.post(f"{API}/tasks/{task_id}/claim", headers=auth(tokens["emma"]))
    assert claimed.status_code == 200 and claimed.get_json()["claimed_by"] == "emma"
    assert [t["id"] for t in client.get(f"{API}/tasks", headers=auth(erin)).get_json()] == []
    refused = client.post(f"{API}/tasks/{task_id}/complete", json={"data": answers_for("employer_signoff.schema.json")},
                          headers=auth(erin))
    assert refused.status_code == 403 and "emma has claimed this task" in refused.get_json()["errors"][0]["message"]
    assert client.post(f"{API}/tasks/{task_id}/claim", headers=auth(erin)).status_code == 403
    assert client.post(f"{API}/tasks/{task_id}/release", headers=auth(erin)).status_code == 403
    released = client.post(f"{API}/tasks/{task_id}/release", headers=auth(tokens["emma"]))
    assert released.status_code == 200 and released.get_json()["claimed_by"] is None
    assert [t["id"] for t in client.get(f"{API}/tasks", headers=auth(erin)).get_json()] == [task_id]
    assert [e.action for e in audit_events(services, policy_id=policy_id)][-2:] == ["task_claimed", "task_released"]


def test_a_manager_reassigns_a_staff_members_task_to_a_colleague(client, services, people, tokens):
    policy_id = consulting(services, people)
    task_id = task_of(services, people["kim"], "staff_consultation")["id"]
    done = client.post(f"{API}/tasks/{task_id}/assign", json={"username": "alex"}, headers=auth(tokens["mary"]))
    assert done.status_code == 200 and done.get_json()["assignee"] == "alex"
    assert task_id not in [t["id"] for t in services.queries.inbox(people["kim"])]
    assert sorted(t["id"] for t in services.queries.inbox(people["alex"]) if t["id"] == task_id) == [task_id]
    services.commands.complete(people["alex"], task_id, answers_for("staff_consultation.schema.json"))
    event = next(e for e in audit_events(services, policy_id=policy_id) if e.action == "task_reassigned")
    assert (event.actor, event.data) == ("mary", {"from": "kim", "to": "alex"})


@pytest.mark.parametrize(("who", "body", "status", "message"), [
    ("sam", {"username": "alex"}, 403, "Only a manager of Ultrasound"),
    ("olga", {"username": "alex"}, 404, "does not exist"),
    ("mary", {"username": "pat"}, 422, "does not have the staff role"),
    ("mary", {"username": "nobody"}, 422, "no active person called 'nobody'"),
    ("mary", {}, 422, "username"),
    ("mary", {"username": "kim"}, 422, "already kim's"),
])
def test_reassignment_is_refused_with_a_reason(client, services, people, tokens, who, body, status, message):
    consulting(services, people)
    task_id = task_of(services, people["kim"], "staff_consultation")["id"]
    refused = client.post(f"{API}/tasks/{task_id}/assign", json=body, headers=auth(tokens[who]))
    assert refused.status_code == status
    assert message in " ".join(e["message"] + (e["field"] or "") for e in refused.get_json()["errors"])
