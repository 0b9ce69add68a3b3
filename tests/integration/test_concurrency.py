"""Two app processes acting on the same policy at the same moment, on SQLite and PostgreSQL.

Each thread has its own Services (own engine and connection pool), as two
processes behind a load balancer would. A task must be completed exactly once,
and two people answering different tasks must both have their answers kept:
a submission is either applied or refused with a Conflict, never silently lost.
"""
from __future__ import annotations

import threading

import pytest

from tests.answers import answers_for
from tests.lifecycle import audit_events, complete, task_of, to_published
from workflows.wiring import build_services


@pytest.fixture
def second_services(store_services, clock):
    """Another app process on the same database: its own engine, pool and registry."""
    other = build_services(store_services.database.url, clock=clock)
    yield other
    other.database.dispose()


def at_the_same_moment(*actions) -> list:
    """Run each action in its own thread, released together; return each result or exception."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(index, action):
        barrier.wait()
        try:
            results[index] = action()
        except Exception as error:  # noqa: BLE001 - the caller asserts on what came back
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def outcome(result) -> str:
    return type(result).__name__ if isinstance(result, Exception) else "applied"


@pytest.mark.parametrize("element", ["draft_policy", "assess_risks"])
def test_same_task_from_two_processes_is_completed_once(store_services, second_services, store_people, element):
    services, mary = store_services, store_people["mary"]
    policy_id = services.commands.start(mary, "Recording during ultrasound", "Ultrasound")
    if element == "assess_risks":
        complete(services, mary, "draft_policy")
    task = task_of(services, mary, element)
    answers = answers_for(task["form"])

    results = at_the_same_moment(lambda: services.commands.complete(mary, task["id"], answers),
                                 lambda: second_services.commands.complete(mary, task["id"], answers))

    assert sorted(map(outcome, results)) == ["Conflict", "applied"], results
    assert len(audit_events(services, action="task_completed", task_id=task["id"])) == 1
    next_up = [t["name"] for t in services.queries.inbox(mary)]
    assert next_up == (["assess_risks"] if element == "draft_policy" else []), "the workflow moved one step"
    assert services.queries.policy(mary, policy_id)["completed_elements"].count(element) == 1


def test_two_staff_answering_at_once_both_count(store_services, second_services, store_people):
    """Staff answer the consultation together; neither should be told to try again."""
    services, people = store_services, store_people
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    sam_task = task_of(services, people["sam"], "staff_consultation")["id"]
    alex_task = task_of(services, people["alex"], "staff_consultation")["id"]
    sam_answer = answers_for("staff_consultation.schema.json", willing_to_be_filmed="willing_with_conditions",
                             conditions="Screen only.", comments="Sam's view.")
    alex_answer = answers_for("staff_consultation.schema.json", willing_to_be_filmed="not_willing",
                              comments="Alex's view.")

    for process in (services, second_services):  # connected and warm, so the two really overlap
        process.queries.inbox(people["sam"])
    results = at_the_same_moment(
        lambda: services.commands.complete(people["sam"], sam_task, sam_answer),
        lambda: second_services.commands.complete(people["alex"], alex_task, alex_answer))

    assert results == [policy_id, policy_id], results
    for task_id in (sam_task, alex_task):
        assert len(audit_events(services, action="task_completed", task_id=task_id)) == 1

    complete(services, people["kim"], "staff_consultation")
    complete(services, people["pat"], "patient_consultation")
    complete(services, people["eve"], "equality_impact")
    # The consultation is shown to the manager from the reassessment on (the first step after it).
    page = services.queries.task_page(people["mary"], task_of(services, people["mary"], "reassess_risks")["id"])
    counts = {view.label: view.count for view in page.context.consultation.staff_views}
    assert counts == {"Yes, I am willing": 1, "Yes, but only with conditions": 1, "No, I am not willing": 1}
    assert page.context.consultation.staff_comments == sorted(
        ["Alex's view.", "Sam's view.", answers_for("staff_consultation.schema.json")["comments"]])
    assert page.context.consultation.staff_conditions == ["Screen only."], "conditions are shown apart"


def test_a_conflict_changes_nothing(store_services, second_services, store_people):
    """The losing submission leaves no half-written trace: same version, same draft, no audit event."""
    services, mary = store_services, store_people["mary"]
    services.commands.start(mary, "Recording during ultrasound", "Ultrasound")
    task = task_of(services, mary, "draft_policy")
    results = at_the_same_moment(
        lambda: services.commands.complete(mary, task["id"], answers_for(task["form"], summary="First text.")),
        lambda: second_services.commands.complete(mary, task["id"],
                                                  answers_for(task["form"], summary="Second text.")))
    winner = "First text." if outcome(results[0]) == "applied" else "Second text."
    assert sorted(map(outcome, results)) == ["Conflict", "applied"], results
    assert services.queries.policy(mary, task["policy_id"])["draft"]["summary"] == winner
    [event] = audit_events(services, action="task_completed", task_id=task["id"])
    assert event.data["summary"] == winner


def test_timers_run_on_two_nodes_at_once_fire_once(store_services, second_services, store_people, clock):
    """Cron may start `policyflow timers run` on every node: the review opens once, not twice."""
    policy_id = to_published(store_services, store_people)
    clock.advance(days=400)
    for process in (store_services, second_services):  # connected and warm, so the two really overlap
        process.queries.inbox(store_people["mary"])

    results = at_the_same_moment(store_services.commands.fire_due_timers, second_services.commands.fire_due_timers)

    assert sorted(len(fired) for fired in results) == [0, 1], results
    assert [t["name"] for t in store_services.queries.inbox(store_people["mary"])] == ["review_policy"]
    assert len(audit_events(store_services, action="timer_fired")) == 1
    assert store_services.queries.policy(store_people["mary"], policy_id)["status"] == "under_review"
