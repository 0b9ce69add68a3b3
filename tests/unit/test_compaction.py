"""compact(): a policy's running workflow stays the size of one cycle, and nobody can tell.

Every walk drives two copies of one workflow with the same actions. The reference is never
compacted; the other is compacted and round-tripped through JSON after every step, as the
engine stores it. After every step both must show the same ready user tasks (element, lane,
data, in order), the same waiting timers with the same due times, the same merged data of
ready and waiting tasks, and the same completion (with the same final data).
"""
from __future__ import annotations

import copy
import os
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from tests.answers import answers_for
from workflows.engine import timers
from workflows.engine.codec import WorkflowCodec
from workflows.engine.compaction import compact
from workflows.engine.specs import load_bundle, read_bundle_directory, read_bundle_files
from workflows.engine.steps import DEFAULT_REVIEW_LEAD, REVIEW_LEAD_PROPERTY, REVIEW_LEAD_VARIABLE
from workflows.engine.tasks import current_data, task_properties
from workflows.scripting import restricted_script_engine
from workflows.wiring import BPMN_DIR

CODEC = WorkflowCodec()  # as the engine stores workflows: without the spec, which the bundle holds
DIAGRAMS = Path(__file__).parent / "diagrams"
STAFF = ["sam", "alex", "kim"]
DAY_ONE = datetime(2030, 1, 1, tzinfo=timezone.utc)
SEEDS = range(int(os.environ.get("COMPACTION_SEEDS", "4")))  # raise it for a longer soak


def shipped_bundle():
    return load_bundle(*read_bundle_directory(BPMN_DIR))


def diagram_bundle(name: str):
    return load_bundle(*read_bundle_files([DIAGRAMS / f"{name}.bpmn"]))


class Copy:
    """One copy of a workflow, advanced as the engine advances it (timers pinned to a test clock).

    A compacted copy is compacted after every step and, unless ``round_trip`` is off, stored as
    JSON and loaded again, as the engine does.
    """

    def __init__(self, bundle, data: dict, compacted: bool, round_trip: bool = True):
        self.bundle = bundle
        self.workflow = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=restricted_script_engine())
        for task in self.workflow.get_tasks(state=TaskState.READY):
            task.data.update(copy.deepcopy(data))
        self.compacted = compacted
        self.round_trip = round_trip
        self._advance(0, set())

    def ready(self) -> list:
        return self.workflow.get_tasks(state=TaskState.READY, manual=True)

    def timers(self) -> list:
        """The tasks waiting on a timer (a timer event, or an event-based gateway waiting for one)."""
        return [timer.task for timer in timers.waiting_timers(self.workflow)]

    def apply(self, day: int, action: tuple) -> None:
        kind, index, value = action
        known = {task.id for task in self.timers()}
        if kind == "complete":
            task = self.ready()[index]
            properties = task_properties(task)
            task.data[properties["dataKey"]] = copy.deepcopy(value)
            if properties.get("lifecycleStep") == "publication":  # as the engine hands it to the post-script
                task.data[REVIEW_LEAD_VARIABLE] = properties.get(REVIEW_LEAD_PROPERTY) or DEFAULT_REVIEW_LEAD
            task.run()
        elif kind == "timer":
            self.timers()[index]._set_internal_data(event_fired=True)
            self.workflow.refresh_timers()
        else:
            self.workflow.catch(BpmnEvent(MessageEventDefinition(value), {}))
        self._advance(day, known)

    def _advance(self, day: int, known: set) -> None:
        self.workflow.do_engine_steps()
        # The engine fixes each new duration timer's due time from its own clock; so do we.
        timers.pin_new_timers(self.workflow, known, DAY_ONE + timedelta(days=day))
        if self.compacted:
            compact(self.workflow)
        if self.compacted and self.round_trip:
            self.workflow = CODEC.load(self.stored(), self.bundle)
            self.workflow.script_engine = restricted_script_engine()

    def stored(self) -> str:
        return CODEC.dump(self.workflow)

    def task_count(self) -> int:
        return len(self.workflow.tasks) + sum(len(sp.tasks) for sp in self.workflow.subprocesses.values())

    @staticmethod
    def _progress(task) -> tuple:
        info = task.task_spec.task_info(task)
        return task.task_spec.bpmn_id, info["completed"], info["running"], info["future"]

    def view(self) -> dict:
        completed, last = self.workflow.is_completed(), self.workflow.last_task
        return {
            "ready": [(t.task_spec.bpmn_id, t.task_spec.lane, t.data) for t in self.ready()],
            "timers": [(t.element, t.task.internal_data.get("event_value")) for t in timers.waiting_timers(self.workflow)],
            "data": current_data(self.workflow),
            "multi-instance progress": [self._progress(t) for t in self.workflow.get_tasks(state=TaskState.STARTED)
                                        if isinstance(t.task_spec, MultiInstanceTask)],
            "last completed task": last.task_spec.name if last is not None else None,
            "completed": completed,
            "final data": self.workflow.data if completed else None,
        }


class Walk:
    """The reference and the compacted copy, driven together and compared after every step."""

    def __init__(self, bundle_loader, data: dict, round_trip: bool = True):
        self.reference = Copy(bundle_loader(), data, compacted=False)
        self.compacted = Copy(bundle_loader(), data, compacted=True, round_trip=round_trip)
        self.day = 0
        self.log = []
        self._check()

    def do(self, action: tuple) -> None:
        self.day += 1
        self.log.append(action[:2] if action[0] == "complete" else action)
        self.reference.apply(self.day, action)
        self.compacted.apply(self.day, action)
        self._check()

    def _check(self) -> None:
        reference, compacted = self.reference.view(), self.compacted.view()
        for aspect in reference:
            assert compacted[aspect] == reference[aspect], f"{aspect} differs after {self.log}"

    def elements(self) -> list[str]:
        return [task.task_spec.bpmn_id for task in self.reference.ready()]

    def complete(self, element: str, **changes) -> None:
        """Complete the first ready ``element`` task with the valid answers of its form."""
        index = self.elements().index(element)
        form = task_properties(self.reference.ready()[index])["formJsonSchemaFilename"]
        self.do(("complete", index, answers_for(form, **changes)))

    def fire_timer(self) -> None:
        self.do(("timer", 0, None))


def policy_walk(staff: int = 3) -> Walk:
    return Walk(shipped_bundle, {"policy": {"title": "Recording during ultrasound", "department": "Ultrasound"},
                                 "staff_members": STAFF[:staff]})


def consult(walk: Walk, staff: int, patient_first: bool = False) -> None:
    """Draft, assess, consult (the equality impact assessed meanwhile) and reassess the risks."""
    walk.complete("draft_policy")
    walk.complete("assess_risks")
    walk.complete("equality_impact")
    if patient_first:
        walk.complete("patient_consultation")
    for number in range(staff):
        walk.complete("staff_consultation", comments=f"Response {number} of day {walk.day}.")
    if not patient_first:
        walk.complete("patient_consultation")
    walk.complete("reassess_risks")


#: The steps after the revision, in order, each with its answer that sends the policy back to the revision.
REVIEWS = {
    "information_governance": {"decision": "changes_requested", "comments": "Changes from information governance."},
    "employer_signoff": {"decision": "changes_requested", "comments": "Changes from the employer."},
    "insurer_signoff": {"decision": "changes_requested", "comments": "Changes from the insurer."},
    "ratification": {"decision": "not_approved", "comments": "Not approved by the committee."},
}


def sign_off(walk: Walk, requests: tuple[str, ...] = ()) -> None:
    """Revise, then information governance, both sign-offs and ratification. Each step in ``requests``
    sends the policy back to the revision once, in that order; ``reassess`` is a revision that asks
    to reassess the risks first."""
    for step in requests:
        if step == "reassess":
            walk.complete("revise_policy", reassess_risks=True)
            walk.complete("reassess_risks")
            continue
        walk.complete("revise_policy")
        for earlier in list(REVIEWS)[:list(REVIEWS).index(step)]:
            walk.complete(earlier)
        walk.complete(step, **REVIEWS[step])
    walk.complete("revise_policy")
    for step in REVIEWS:
        walk.complete(step)


def publish_and_review(walk: Walk, outcome: str) -> None:
    """Publish, let the review open and review it; the committee confirms a review without changes."""
    walk.complete("publish_policy")
    walk.fire_timer()
    walk.complete("review_policy", outcome=outcome)
    if outcome == "no_changes":
        walk.complete("ratification")


@pytest.mark.parametrize("staff", [1, 3, 0])
def test_the_approve_path_and_review_cycles_look_the_same_compacted(staff):
    walk = policy_walk(staff)
    consult(walk, staff)
    sign_off(walk)
    publish_and_review(walk, "no_changes")
    publish_and_review(walk, "full_review")
    consult(walk, staff)
    sign_off(walk, ("employer_signoff",))
    publish_and_review(walk, "full_review")
    assert "draft_policy" in walk.elements()


def test_sign_off_requests_for_changes_and_republishing_look_the_same_compacted():
    walk = policy_walk()
    consult(walk, 3, patient_first=True)
    sign_off(walk, ("information_governance", "employer_signoff", "insurer_signoff", "reassess", "insurer_signoff",
                    "ratification"))
    publish_and_review(walk, "no_changes")
    publish_and_review(walk, "no_changes")
    publish_and_review(walk, "full_review")
    consult(walk, 3, patient_first=True)
    sign_off(walk, ("ratification", "insurer_signoff", "employer_signoff"))
    walk.complete("publish_policy")
    assert [t for t, _due in walk.compacted.view()["timers"]] == ["review_due"]


def _policy_answers(rng: random.Random, form: str, day: int) -> dict:
    """Random valid answers. Each form always gives the same fields: the uncompacted reference merges
    an earlier cycle's consultation data into the join (see below), so a field left out in a later
    cycle would come back from the earlier one there, and only there."""
    if form == "staff_consultation.schema.json":
        return answers_for(form, willing_to_be_filmed=rng.choice(["willing", "not_willing"]), comments=f"Day {day}.")
    if form in ("employer_signoff.schema.json", "insurer_signoff.schema.json") and rng.random() < 0.3:
        return {"decision": "changes_requested", "comments": f"Changes asked on day {day}."}
    if form == "information_governance.schema.json":
        return answers_for(form, decision=rng.choice(["approved"] * 3 + ["changes_requested"]),
                           comments=f"Day {day}.")
    if form == "ratification.schema.json":
        return answers_for(form, decision=rng.choice(["approved", "approved_with_amendments", "not_approved"]),
                           amendments=f"Amended on day {day}.", comments=f"Day {day}.")
    if form == "review_policy.schema.json":
        return answers_for(form, outcome=rng.choice(["no_changes", "full_review"]), review_notes=f"Day {day}.")
    if form == "draft_policy.schema.json":
        return answers_for(form, summary=f"Policy summary of day {day}.")
    if form == "revise_policy.schema.json":
        return answers_for(form, summary=f"Policy summary of day {day}.", reassess_risks=rng.random() < 0.2)
    return answers_for(form)


def _in_walk_order(element: str, ready: list[str], patient_first: bool) -> bool:
    """Whether completing ``element`` now keeps the walk's consultation order.

    SpiffWorkflow 3.2 counts an earlier cycle's cancelled consultation join as an arrival
    (test_in_a_later_cycle_the_consultation_still_waits_for_every_consultation), so the uncompacted
    reference is only right while a walk finishes its consultations in the same order every cycle:
    the same branch (the patient liaison's, or with ``patient_first`` the last staff member's) last,
    after the other consultation and the equality impact assessment.
    """
    others_open = "equality_impact" in ready
    if element == "patient_consultation":
        return patient_first or ("staff_consultation" not in ready and not others_open)
    if element == "staff_consultation" and patient_first and ("patient_consultation" in ready or others_open):
        return ready.count(element) > 1
    return True


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("staff", [0, 1, 3])
def test_random_walks_through_the_policy_lifecycle_look_the_same_compacted(staff, seed):
    rng = random.Random(seed)
    patient_first = staff > 0 and rng.random() < 0.5
    walk = policy_walk(staff)
    while walk.day < 120:
        ready = walk.elements()
        choices = [index for index, element in enumerate(ready) if _in_walk_order(element, ready, patient_first)]
        # Consultation deadlines would close the consultations in another order than the walk's
        # (see _in_walk_order); they are tested on their own. Other timers (the review date) fire.
        timers_to_fire = [n for n, timer in enumerate(timers.waiting_timers(walk.reference.workflow))
                          if timer.element != "consultation_deadline"]
        index = rng.choice(choices + [None] * len(timers_to_fire))
        if index is None:
            walk.do(("timer", timers_to_fire[0], None))
        else:
            form = task_properties(walk.reference.ready()[index])["formJsonSchemaFilename"]
            walk.do(("complete", index, _policy_answers(rng, form, walk.day)))


DIAGRAM_WALKS = {
    "inclusive_loop": {},
    "sequential_mi_loop": {"rounds": 0},
    "boundary_timer_loop": {},
    "event_subprocess_loop": {},
    "call_activity_loop": {"rounds": 0},
}
MESSAGES = {"event_subprocess_loop": "incident_reported"}


def _diagram_answer(rng: random.Random, name: str, element: str, walk: Walk, plans: list) -> dict:
    # SpiffWorkflow's own inclusive join in a loop goes wrong once it has joined in an earlier round
    # (test_in_a_later_round_an_inclusive_join_still_waits_for_every_branch): in "inclusive_loop"
    # only the first round may open several branches, and then the walk ends. The called process
    # of "call_activity_loop" starts afresh each round, so there every round may open any.
    if element == "plan":
        several = name != "inclusive_loop" or not plans
        plans.append(rng.choice([[], ["a"], ["b"], ["c"]] + several * [["a", "b"], ["b", "c"], ["a", "b", "c"]]))
        return {"branches": plans[-1]}
    if element == "decide":
        last_round_joined_several = name == "inclusive_loop" and len(plans[-1]) > 1
        return {"choice": "again" if rng.random() < 0.93 and not last_round_joined_several else "done"}
    return {"choice": f"{element} on day {walk.day}"}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", DIAGRAM_WALKS)
def test_random_walks_through_each_construct_look_the_same_compacted(name, seed):
    rng = random.Random(seed)
    walk = Walk(lambda: diagram_bundle(name), DIAGRAM_WALKS[name], round_trip=seed % 2 == 0)
    plans = []
    while walk.day < 80 and not walk.reference.workflow.is_completed():
        ready = walk.elements()
        kind = rng.choice(["complete"] * len(ready) + ["timer"] * len(walk.reference.timers())
                          + ["message"] * (name in MESSAGES))
        if kind == "complete":
            index = rng.randrange(len(ready))
            walk.do(("complete", index, _diagram_answer(rng, name, ready[index], walk, plans)))
        elif kind == "timer":
            walk.do(("timer", rng.randrange(len(walk.reference.timers())), None))
        else:
            walk.do(("message", 0, MESSAGES[name]))


def _complete(copy_: Copy, element: str, value: dict) -> None:
    copy_.apply(1, ("complete", [t.task_spec.bpmn_id for t in copy_.ready()].index(element), value))


def test_in_a_later_cycle_the_consultation_still_waits_for_every_consultation():
    """SpiffWorkflow 3.2 lets a parallel join count a cancelled join of an earlier cycle as an arrival.

    Cycle 1 finishes the staff consultation first, so its staff-side join is cancelled when the patient
    side joins. In cycle 2 the uncompacted workflow counts that cancelled join as the staff arriving,
    and opens the revision as soon as the patient liaison answers. The compacted workflow has dropped
    the earlier cycle's join, so it waits for the staff, as in cycle 1.
    """
    data = {"policy": {"title": "Recording", "department": "Ultrasound"}, "staff_members": STAFF[:1]}
    copies = [Copy(shipped_bundle(), data, compacted=False), Copy(shipped_bundle(), data, compacted=True)]
    path = ["draft_policy", "assess_risks", "staff_consultation", "equality_impact", "patient_consultation",
            "reassess_risks", "revise_policy", "information_governance", "employer_signoff", "insurer_signoff",
            "ratification", "publish_policy", "timer", "review_policy",
            "draft_policy", "assess_risks", "equality_impact", "patient_consultation"]
    for copy_ in copies:
        for element in path:
            if element == "timer":
                copy_.apply(1, ("timer", 0, None))
                continue
            form = task_properties(next(t for t in copy_.ready() if t.task_spec.bpmn_id == element))
            changes = {"outcome": "full_review"} if element == "review_policy" else {}
            _complete(copy_, element, answers_for(form["formJsonSchemaFilename"], **changes))
    # (The published version's acknowledgement task is still open beside the new cycle.)
    uncompacted, compacted = ([t.task_spec.bpmn_id for t in c.ready() if t.task_spec.bpmn_id != "acknowledge_policy"]
                              for c in copies)
    assert uncompacted == ["staff_consultation", "reassess_risks"]
    assert compacted == ["staff_consultation"]
    _complete(copies[1], "staff_consultation", answers_for("staff_consultation.schema.json"))
    assert "reassess_risks" in [t.task_spec.bpmn_id for t in copies[1].ready()]


def test_in_a_later_round_an_inclusive_join_still_waits_for_every_branch():
    """SpiffWorkflow 3.2's inclusive join stops looking for its instances at the first one it meets,
    which in a loop is the earlier round's, so in round 2 it joins as soon as one branch arrives."""
    copies = [Copy(diagram_bundle("inclusive_loop"), {}, compacted=False),
              Copy(diagram_bundle("inclusive_loop"), {}, compacted=True)]
    for copy_ in copies:
        for element, value in [("plan", {"branches": ["a", "b"]}), ("task_a", {}), ("task_b", {}),
                               ("decide", {"choice": "again"}), ("plan", {"branches": ["a", "b"]}), ("task_a", {})]:
            _complete(copy_, element, value)
    uncompacted, compacted = ([t.task_spec.bpmn_id for t in c.ready()] for c in copies)
    assert uncompacted == ["decide", "task_b"]
    assert compacted == ["task_b"]
    _complete(copies[1], "task_b", {})
    assert [t.task_spec.bpmn_id for t in copies[1].ready()] == ["decide"]


def test_twenty_full_review_cycles_keep_the_workflow_the_size_of_one_cycle():
    walk = policy_walk()
    sizes = {}
    for cycle in range(1, 21):
        consult(walk, 3)
        sign_off(walk, ("employer_signoff",) if cycle % 2 else ())
        publish_and_review(walk, "full_review")
        sizes[cycle] = len(walk.compacted.stored()), walk.compacted.task_count()
    assert sizes[20][0] <= 1.5 * sizes[1][0], sizes
    assert sizes[20][1] <= sizes[1][1], sizes


ROUNDS = {
    "inclusive_loop": [("plan", {"branches": ["a", "b", "c"]}), ("task_c", {}), ("task_a", {}), ("task_b", {})],
    "sequential_mi_loop": [("review_item*", {})],
    "boundary_timer_loop": [("timer", "overdue"), ("escalate", {}), ("decide", {"choice": "again"}), ("work", {})],
    "event_subprocess_loop": [("message", "incident_reported"), ("work", {}), ("record_incident", {})],
    "call_activity_loop": [("plan", {"branches": ["a", "c"]}), ("task_f", {}), ("task_c", {}), ("countersign", {}),
                           ("task_a", {})],
}


def _play(copy_: Copy, steps: list) -> None:
    """Take each step in turn; ``element*`` completes that element's tasks until none is ready."""
    for element, value in steps:
        if element == "timer":
            copy_.apply(1, ("timer", [t.task_spec.bpmn_id for t in copy_.timers()].index(value), None))
        elif element == "message":
            copy_.apply(1, ("message", 0, value))
        elif element.endswith("*"):
            while element[:-1] in [t.task_spec.bpmn_id for t in copy_.ready()]:
                _complete(copy_, element[:-1], value)
        else:
            _complete(copy_, element, value)


@pytest.mark.parametrize("round_trip", [True, False], ids=["stored", "in memory"])
@pytest.mark.parametrize("name", ROUNDS)
def test_twenty_rounds_of_each_construct_keep_the_workflow_the_size_of_one_round(name, round_trip):
    compacted = Copy(diagram_bundle(name), DIAGRAM_WALKS[name], compacted=True, round_trip=round_trip)
    sizes = []
    for _round in range(20):
        _play(compacted, ROUNDS[name] + [("decide", {"choice": "again"})])
        sizes.append((len(compacted.stored()), compacted.task_count()))
    assert sizes[-1][0] <= 1.5 * sizes[0][0], sizes
    assert sizes[-1][1] <= sizes[0][1], sizes


def _full_cycle(walk: Walk) -> None:
    consult(walk, 3)
    sign_off(walk, ("insurer_signoff",))
    publish_and_review(walk, "full_review")


def test_a_workflow_with_years_of_history_compacts_to_one_cycle_and_carries_on_the_same():
    one_cycle = policy_walk()
    _full_cycle(one_cycle)
    walk = policy_walk()
    walk.compacted.compacted = False
    for _cycle in range(6):
        _full_cycle(walk)
    assert len(walk.compacted.stored()) > 3 * len(one_cycle.compacted.stored())
    walk.compacted.compacted = True
    _full_cycle(walk)
    assert len(walk.compacted.stored()) <= 1.5 * len(one_cycle.compacted.stored())
    assert walk.elements() == ["draft_policy", *["acknowledge_policy"] * 3]  # the published version's, still open
