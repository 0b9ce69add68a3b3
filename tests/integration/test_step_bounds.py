"""What one step may make: instances, stored data, kinds of values — refused clearly, nothing saved.

A refused step answers the person with the element and what was wrong (HTTP 422
through the API), and the policy stays exactly as it was: same version, same
ready task, same stored data.
"""
from __future__ import annotations

import pytest

from tests.conftest import TEST_PASSWORD_METHOD, add_people
from tests.diagrams import note_bundle_files, note_process
from tests.lifecycle import policy_row, stored_workflow
from workflows.engine.specs import load_bundle
from workflows.errors import WorkflowFailure
from workflows.sandbox import StepLimits
from workflows.wiring import build_services

LIMITS = StepLimits(max_instances=50, max_data_bytes=20_000)


@pytest.fixture
def note_services(sqlite_url, clock):
    """Services whose policies run a note diagram, with small bounds (50 instances, 20 kB of data)."""
    def deploy(**code):
        services = build_services(sqlite_url, clock=clock, process_id="note_process",
                                  password_method=TEST_PASSWORD_METHOD, limits=LIMITS)
        services.database.create_schema()
        services.processes.deploy(load_bundle(*note_bundle_files(note_process(**code))), actor="test")
        return services, add_people(services)
    return deploy


def test_a_multi_instance_count_over_the_bound_is_refused_before_any_task_exists(note_services):
    services, people = note_services(cardinality="20000")
    with pytest.raises(WorkflowFailure) as refused:
        services.commands.start(people["mary"], "Too many", "Ultrasound")
    assert "write_note would create 20,000 instances; at most 50 are allowed" in refused.value.message
    assert services.queries.policies(people["mary"]) == []


def test_a_multi_instance_count_within_the_bound_makes_one_task_each(note_services):
    services, people = note_services(cardinality="3")
    services.commands.start(people["mary"], "Three notes", "Ultrasound")
    assert [t["name"] for t in services.queries.inbox(people["mary"])] == ["write_note"] * 3


@pytest.mark.parametrize("script, message", [
    ("notes = 'x' * 30000", "the policy's data would be larger than 20 kB (the variable 'notes' alone is 30 kB)"),
    ("pending = (n for n in [1, 2])", "'pending' holds a generator, which cannot be stored"),
    ("seen = {1, 2}", "'seen' holds a set (use a list), which cannot be stored"),
    ("scores = {1: 'low'}", "'scores' has the key 1; dictionary keys must be text"),
    ("ratio = float('nan')", "'ratio' holds nan, which is not a number that can be stored"),
], ids=["too big", "generator", "set", "number keys", "not a number"])
def test_data_a_step_cannot_store_is_refused_naming_it(note_services, script, message):
    services, people = note_services(script=script)
    with pytest.raises(WorkflowFailure) as refused:
        services.commands.start(people["mary"], "Bad data", "Ultrasound")
    assert message in refused.value.message
    assert services.queries.policies(people["mary"]) == []


def test_data_a_tasks_pre_script_cannot_store_is_refused_naming_the_task(note_services):
    """A pre-script runs as its task becomes ready, before anyone answers: what it stores is checked then,
    and the refusal names the task, as it does for a script task."""
    services, people = note_services(pre_script="seen = {1, 2}")
    with pytest.raises(WorkflowFailure) as refused:
        services.commands.start(people["mary"], "Bad data", "Ultrasound")
    assert "at write_note: 'seen' holds a set (use a list), which cannot be stored" in refused.value.message
    assert services.queries.policies(people["mary"]) == []


def test_a_refused_completion_changes_nothing_and_says_why_through_the_api(note_services, tmp_path, monkeypatch):
    from webapp import create_app

    services, people = note_services()
    policy_id = services.commands.start(people["mary"], "A note", "Ultrasound")
    task_id = services.queries.inbox(people["mary"])[0]["id"]
    before = policy_row(services, policy_id).version, stored_workflow(services, policy_id)[1].state
    monkeypatch.chdir(tmp_path)
    client = create_app({"TESTING": True}, services=services).test_client()
    token = services.accounts.create_token("mary")
    response = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"note": "x" * 30000}},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422
    assert "larger than 20 kB" in response.get_json()["errors"][0]["message"]
    assert (policy_row(services, policy_id).version, stored_workflow(services, policy_id)[1].state) == before
    assert [t["id"] for t in services.queries.inbox(people["mary"])] == [task_id]


def test_a_per_person_task_for_something_that_is_no_username_is_refused(note_services):
    services, people = note_services(script="person = 'x' * 500", assignee="person")
    with pytest.raises(WorkflowFailure, match="the task write_note is for 'x+…', which is not a username"):
        services.commands.start(people["mary"], "For nobody", "Ultrasound")


def test_a_multi_instance_over_a_collection_over_the_bound_is_refused(note_services):
    services, people = note_services(script="people = ['p%d' % i for i in range(60)]", collection="people")
    with pytest.raises(WorkflowFailure, match="write_note would create 60 instances; at most 50 are allowed"):
        services.commands.start(people["mary"], "Sixty notes", "Ultrasound")
