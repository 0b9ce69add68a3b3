"""A policy lives for decades: its running state stays the size of one cycle, its history is kept.

Each "full review" takes the policy through drafting, consultation, both sign-offs and
publication again. The stored workflow must not grow with the cycles (finished steps
are compacted away), while the audit trail and the published versions keep everything.
"""
from __future__ import annotations

from sqlalchemy import func, select

from tests.lifecycle import (
    audit_events,
    complete,
    published_version,
    republish_after_full_review,
    stored_workflow,
    to_published,
)
from workflows.storage.schema import WorkflowState

CYCLES = 6


def stored_size(services, policy_id: int) -> int:
    with services.database.reading() as session:
        return session.scalar(select(func.length(WorkflowState.state)).where(WorkflowState.policy_id == policy_id))


def full_review(services, people, clock) -> None:
    """Staff acknowledge the published policy, the review opens, the manager chooses a full review,
    and the policy goes round again (consultations, equality impact, reassessment, revision,
    information governance, both sign-offs, ratification and publication)."""
    for person in ("sam", "alex", "kim"):
        complete(services, people[person], "acknowledge_policy")
    services.commands.fire_due_timers(clock.advance(days=400))
    republish_after_full_review(services, people)


def test_the_stored_state_stays_one_cycle_big_while_the_history_is_kept(store_services, store_people, clock):
    services, people = store_services, store_people
    policy_id = to_published(services, people)
    sizes = [stored_size(services, policy_id)]
    for _ in range(CYCLES - 1):
        full_review(services, people, clock)
        sizes.append(stored_size(services, policy_id))
    assert sizes[-1] <= 1.2 * sizes[0], sizes
    # Nothing piles up from one cycle to the next (not even the signals each republication throws).
    assert sizes[-1] - sizes[1] <= 64, sizes
    workflow, _stored = stored_workflow(services, policy_id)
    assert len(workflow.tasks) < 40, "only the live part of the task tree is kept"
    assert len(audit_events(services, policy_id=policy_id, action="task_completed")) == 14 + 18 * (CYCLES - 1)
    assert published_version(services, policy_id)[1] == list(range(1, CYCLES + 1))


def test_a_later_cycle_waits_for_every_consultation_whatever_the_order(store_services, store_people, clock):
    """In a later cycle, the reassessment (and then the revision) opens only when all consultations are in
    (answered in a new order)."""
    services, people = store_services, store_people
    policy_id = to_published(services, people)
    services.commands.fire_due_timers(clock.advance(days=400))
    complete(services, people["mary"], "review_policy", outcome="full_review")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    complete(services, people["pat"], "patient_consultation")  # first this time
    complete(services, people["eve"], "equality_impact")
    complete(services, people["kim"], "staff_consultation")
    ready = {t["name"] for t in services.queries.policy(people["mary"], policy_id)["ready_tasks"]}
    assert ready - {"acknowledge_policy"} == {"staff_consultation"}, "the reassessment must wait for sam and alex"
    complete(services, people["sam"], "staff_consultation")
    complete(services, people["alex"], "staff_consultation")
    ready = {t["name"] for t in services.queries.policy(people["mary"], policy_id)["ready_tasks"]}
    assert ready - {"acknowledge_policy"} == {"reassess_risks"}
