"""Saving and restoring workflows at every step of a policy's life.

Inboxes are read from the human-task table, never from workflows, so the table
must say exactly what the saved workflow says after every step. A restored
workflow must carry on where it stopped, with the same data, and always with the
restricted script engine (the serializer would otherwise restore the library's
unrestricted default).
"""
from __future__ import annotations

import json

import pytest
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from tests.lifecycle import complete, policy_row, stored_workflow
from workflows.engine.storable import to_json
from workflows.engine.tasks import current_data
from workflows.scripting import RestrictedEnvironment, UnsafeCode
from workflows.storage.schema import HumanTask

# (person, task) in the order the roles act, through publication, a review and republication
FULL_PATH = [
    ("mary", "draft_policy"), ("mary", "assess_risks"),
    ("sam", "staff_consultation"), ("pat", "patient_consultation"), ("alex", "staff_consultation"),
    ("eve", "equality_impact"), ("kim", "staff_consultation"), ("mary", "reassess_risks"),
    ("mary", "revise_policy"), ("gil", "information_governance"), ("emma", "employer_signoff"),
    ("ian", "insurer_signoff"), ("cora", "ratification"), ("mary", "publish_policy"),
    ("timer", "review_due"), ("mary", "review_policy"), ("cora", "ratification"), ("mary", "publish_policy"),
]


def ready_rows(services, policy_id) -> set[tuple[str, str, str]]:
    """(id, element, lane) of the policy's ready tasks, as the inboxes see them."""
    query = select(HumanTask).where(HumanTask.policy_id == policy_id, HumanTask.state == "ready")
    with services.database.reading() as session:
        return {(t.id, t.element_id, t.lane) for t in session.scalars(query)}


def ready_in_workflow(workflow) -> set[tuple[str, str, str]]:
    return {(str(t.id), t.task_spec.bpmn_id, t.task_spec.lane)
            for t in workflow.get_tasks(state=TaskState.READY, manual=True)}


def take_step(services, people, clock, who: str, element: str) -> None:
    if who == "timer":
        fired = services.commands.fire_due_timers(clock.advance(days=400))
        assert [elements for _policy, elements in fired] == [[element]]
    else:
        complete(services, people[who], element)


def assert_restricted(workflow) -> None:
    environment = workflow.script_engine.environment
    assert isinstance(environment, RestrictedEnvironment)
    with pytest.raises(UnsafeCode):
        environment.evaluate("().__class__.__base__.__subclasses__()", {})


def check_saved_state(services, policy_id) -> None:
    """The saved workflow, its task index and its stored current data all agree."""
    workflow, stored = stored_workflow(services, policy_id)
    assert_restricted(workflow)
    assert ready_in_workflow(workflow) == ready_rows(services, policy_id)
    assert to_json(current_data(workflow)) == stored.data
    assert "spec" not in json.loads(stored.state)  # the version's files hold the spec, once


def test_every_step_saves_a_workflow_that_matches_the_task_index(store_services, store_people, clock):
    services, people = store_services, store_people
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    check_saved_state(services, policy_id)
    for who, element in FULL_PATH:
        take_step(services, people, clock, who, element)
        check_saved_state(services, policy_id)


def test_ready_rows_are_what_the_inboxes_show(store_services, store_people):
    """Five people have work at once during consultation (three staff, the liaison and the equality
    lead): one row each, and each sees only theirs."""
    services, people = store_services, store_people
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    workflow, _stored = stored_workflow(services, policy_id)
    shown = [task for name in ("sam", "alex", "kim", "pat", "eve") for task in services.queries.inbox(people[name])]
    assert len(shown) == len(ready_in_workflow(workflow)) == 5
    assert {(t["id"], t["name"], t["lane"]) for t in shown} == ready_in_workflow(workflow)


def test_version_counter_moves_once_per_saved_step(store_services, store_people):
    """Optimistic locking relies on every save bumping the version exactly once."""
    services, people = store_services, store_people
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    before = policy_row(services, policy_id).version
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    assert policy_row(services, policy_id).version == before + 2


def test_restored_workflow_continues_with_the_answers_given_before(store_services, store_people):
    """Data saved by earlier steps is what later steps see after a restore (here: the draft and rating)."""
    services, people = store_services, store_people
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    complete(services, people["mary"], "draft_policy", summary="Restored text survives.")
    complete(services, people["mary"], "assess_risks")
    data = current_data(stored_workflow(services, policy_id)[0])
    assert data["policy_draft"]["summary"] == "Restored text survives."
    assert data["risk_rating_initial"] in ("low", "moderate", "high", "extreme")
    row = policy_row(services, policy_id)
    assert data["risk_rating_initial"] == row.risk_rating_initial == row.risk_rating, "initial until reassessed"
    assert data["staff_members"] == ["alex", "kim", "sam"]
