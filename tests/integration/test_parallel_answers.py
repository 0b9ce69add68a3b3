"""Answers given on parallel branches all reach the step after the join, in every cycle.

The consultations run in parallel (staff, patient liaison, equality lead) and meet at a
join. In a full review each branch starts with a copy of the previous cycle's answers of
the other branches; whichever branch finishes last must not bring those old answers back
over the ones just given on the other branches.
"""
from __future__ import annotations

import pytest

from tests import diagram_variants as variants
from tests.integration.test_timers import make_review_due, publish
from tests.lifecycle import approve_and_publish, complete, consult, revise, task_of
from tests.studio import add_designer, deploy

STAFF = ("sam", "alex", "kim")


def second_cycle_consultation(services, people, clock, last: str) -> object:
    """A published policy reviewed in full; this cycle's answers given with ``last`` finishing after the
    others; the reassessment page's consultation (what the manager reads)."""
    policy_id = publish(services, people, 6)
    make_review_due(services, people, clock, policy_id)
    complete(services, people["mary"], "review_policy", outcome="full_review", review_notes="Guidance changed.")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    clock.advance(days=1)
    branches = {
        "staff": lambda: [complete(services, people[name], "staff_consultation", willing_to_be_filmed="willing",
                                   comments=f"Second cycle: {name} agrees.") for name in STAFF],
        "patient": lambda: complete(services, people["pat"], "patient_consultation",
                                    comments="Second cycle: the group now supports it."),
        "equality": lambda: complete(services, people["eve"], "equality_impact"),
    }
    for name in sorted(branches, key=lambda n: n == last):
        branches[name]()
    page = services.queries.task_page(people["mary"], task_of(services, people["mary"], "reassess_risks")["id"])
    return page.context.consultation


@pytest.mark.parametrize("last", ["staff", "patient", "equality"])
def test_a_second_cycle_shows_its_own_consultation_whichever_branch_finishes_last(services, people, clock, last):
    shown = second_cycle_consultation(services, people, clock, last)
    assert shown.staff_comments == sorted(f"Second cycle: {name} agrees." for name in STAFF)
    assert {view.label: view.count for view in shown.staff_views}["Yes, I am willing"] == 3
    liaison = {detail.label: detail.value for detail in shown.liaison}
    assert liaison["Comments"] == "Second cycle: the group now supports it."



def note(services, people, text: str) -> None:
    services.commands.complete(people["pat"], task_of(services, people["pat"], "liaison_note")["id"], {"note": text})


def test_a_branch_of_several_tasks_does_not_bring_back_the_last_cycles_answers(services, people, clock):
    """The liaison branch goes on to a note after its answer: by the time it arrives, every branch has
    left the split, and the staff's answers of this cycle still hold at the join."""
    files = variants.with_task_after(variants.shipped_files(), "patient_consultation", "liaison_note",
                                     "Note the liaison group's follow-up", "liaison_note.schema.json",
                                     variants.NOTE_FORM, lane="patient_liaison")
    deploy(services, add_designer(services), files, "The liaison group adds a follow-up note")
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    consult(services, people)
    note(services, people, "First cycle note.")
    revise(services, people)
    approve_and_publish(services, people)
    make_review_due(services, people, clock, policy_id)
    complete(services, people["mary"], "review_policy", outcome="full_review", review_notes="Guidance changed.")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    complete(services, people["eve"], "equality_impact")
    for name in STAFF:
        complete(services, people[name], "staff_consultation", comments=f"Second cycle: {name} agrees.")
    complete(services, people["pat"], "patient_consultation", comments="Second cycle: the group now supports it.")
    note(services, people, "Second cycle note.")

    page = services.queries.task_page(people["mary"], task_of(services, people["mary"], "reassess_risks")["id"])
    assert page.context.consultation.staff_comments == sorted(f"Second cycle: {name} agrees." for name in STAFF)
    liaison = {detail.label: detail.value for detail in page.context.consultation.liaison}
    assert liaison["Comments"] == "Second cycle: the group now supports it."
