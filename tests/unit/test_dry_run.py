"""The dry run, in memory (the same code the sandbox runs): every route its forms allow, how each ends."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from tests import diagram_variants as variants
from workflows.designer.bundle_files import split_files
from workflows.designer.deploy import DRY_RUN_STAFF
from workflows.engine.specs import load_bundle
from workflows.engine.steps import WorkflowEngine
from workflows.forms import meaning as form_meaning

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
DATA = {"policy": {"title": "Dry run", "department": "Dry run"}, "staff_members": DRY_RUN_STAFF}


def dry_run(files: dict, **bounds):
    return WorkflowEngine().dry_run(load_bundle(*split_files(files)), DATA, NOW, bounds)


@pytest.fixture(scope="module")
def shipped_report():
    return dry_run(variants.shipped_files())


def steps_of(root, step):
    return {t.get("id") for t in variants.tasks_of_step(root, step)}


#: The steps after the revision that approve the policy or send it back to the revision, in order.
REVIEW_STEPS = ("information_governance", "employer_signoff", "insurer_signoff", "ratification")


def sends_back(files: dict, root, choice: str) -> bool:
    """Whether a route's choice ("element: field=value") is a review's request for changes: its
    outcome field (``x-role: outcome``) given a value that does not approve."""
    element, _, answer = choice.partition(": ")
    task = variants.by_id(root, element) if root.xpath("//*[@id=$id]", id=element) else None
    if task is None or variants.prop(task, "lifecycleStep") not in REVIEW_STEPS or "=" not in answer:
        return False
    field, value = answer.split("=", 1)
    form = json.loads(files[f"forms/{variants.prop(task, 'formJsonSchemaFilename')}"])
    prop = form["properties"].get(field, {})
    return prop.get("x-role") == "outcome" and value not in [str(v) for v in form_meaning.approving_values(prop)]


def test_the_shipped_diagram_is_explored_to_the_end_and_publishes(shipped_report):
    assert shipped_report.complete and shipped_report.unreachable == []
    published = [p for p in shipped_report.paths if p.outcome == "published"]
    assert published and published[0].choices == []  # the usual answers publish
    root = variants.tree(variants.shipped_files())
    assert published[0].steps[-1] in steps_of(root, "publication")


def test_the_routes_include_warning_signs_and_each_sign_off_sending_it_back(shipped_report):
    files = variants.shipped_files()
    root = variants.tree(files)
    justify = {t for t in steps_of(root, "revision") if variants.prop(variants.by_id(root, t), "dataKey") != "policy_draft"}
    reviews = {step: steps_of(root, step) for step in REVIEW_STEPS}
    assert all(reviews.values()), reviews
    routes = [p for p in shipped_report.paths if p.outcome == "published"]
    assert any(justify & set(p.steps) for p in routes)
    for step, tasks in reviews.items():
        sent_back = [p for p in routes
                     if any(c.split(":")[0] in tasks and sends_back(files, root, c) for c in p.choices)]
        assert sent_back, step
        # after the request for changes, the revision, then every review again before publication
        after = sent_back[0].steps[sent_back[0].steps.index(next(iter(tasks))) + 1:]
        assert steps_of(root, "revision") & set(after), step
        assert all(others & set(after) for others in reviews.values()), (step, after)
    # the revision offers the reassessment again, and the route carries on from it
    reassessment = steps_of(root, "risk_reassessment")
    assert any(p.steps.count(next(iter(reassessment))) == 2 for p in routes)
    # the review timer fires in the review cycle; a review without changes goes to the committee, then publishes
    review = steps_of(root, "review")
    reviewed = [p for p in routes if review & set(p.steps)]
    before_review = reviewed[0].steps[:reviewed[0].steps.index(next(iter(review)))] if reviewed else []
    assert any(s.endswith("(timer)") for s in before_review)
    unchanged = [p for p in reviewed if not any(c.split(":")[0] in review for c in p.choices)]
    assert unchanged and unchanged[0].steps[-3:-1] == [next(iter(review)), next(iter(reviews["ratification"]))]


def test_a_gateway_with_no_matching_condition_is_an_error_at_that_gateway():
    files = variants.shipped_files()
    root = variants.tree(files)
    review = variants.decision_after(root, variants.tasks_of_step(root, "review")[0])
    assert review.tag.endswith("exclusiveGateway") and review.get("default")
    del review.attrib["default"]
    for flow in variants.flows(root, source=review.get("id")):
        if flow.find("{*}conditionExpression") is None:
            condition = flow.makeelement("{http://www.omg.org/spec/BPMN/20100524/MODEL}conditionExpression")
            condition.text = "False"
            flow.append(condition)
    report = dry_run(variants.with_tree(files, root))
    errors = [p for p in report.paths if p.outcome == "error"]
    assert errors and errors[0].element == review.get("id"), report.paths


def test_an_unreachable_element_is_reported():
    files = variants.shipped_files()
    root = variants.tree(files)
    process = variants.tasks_of_step(root, "publication")[0].getparent()
    orphan = process.makeelement("{http://www.omg.org/spec/BPMN/20100524/MODEL}intermediateThrowEvent",
                                 {"id": "never_reached"})
    process.append(orphan)
    report = dry_run(variants.with_tree(files, root))
    assert report.complete and report.unreachable == ["never_reached"]


def test_a_route_that_ends_without_publishing_is_stuck():
    files = variants.shipped_files()
    root = variants.tree(files)
    employer = variants.tasks_of_step(root, "employer_signoff")[0]
    changes = variants.by_id(root, variants.decision_after(root, employer).get("default"))
    process = employer.getparent()
    end = process.makeelement("{http://www.omg.org/spec/BPMN/20100524/MODEL}endEvent", {"id": "gave_up"})
    process.append(end)
    variants.retarget(root, changes, "gave_up")
    report = dry_run(variants.with_tree(files, root))
    stuck = [p for p in report.paths if p.outcome == "stuck"]
    assert stuck and stuck[0].message == "the process ended without publishing"
    assert stuck[0].steps[-1] in {employer.get("id")}


def test_the_search_stops_at_its_bound_and_says_so():
    report = dry_run(variants.shipped_files(), max_paths=2)
    assert not report.complete and len(report.paths) == 2 and report.unreachable == []


def test_the_same_files_give_the_same_routes_in_the_same_order(shipped_report):
    """Bounded by counts, never the clock: a loaded machine finds the same routes as an idle one."""
    again = dry_run(variants.shipped_files())
    assert [(p.steps, p.outcome, p.choices) for p in again.paths] == \
        [(p.steps, p.outcome, p.choices) for p in shipped_report.paths]
    assert again.explored == shipped_report.explored


def test_routes_name_their_steps_and_explain_their_loops(shipped_report):
    root = variants.tree(variants.shipped_files())
    base = shipped_report.paths[0]
    assert len(base.names) == len(base.steps)
    assert base.names[-1] == variants.tasks_of_step(root, "publication")[0].get("name")
    assert base.explanation.startswith("published at ")
    revision = variants.tasks_of_step(root, "revision")[0]
    loops = [p for p in shipped_report.paths if p.outcome == "loop" and p.element == revision.get("id")]
    assert loops, "a sign-off requesting changes twice comes back to the revision"
    employer = variants.tasks_of_step(root, "employer_signoff")[0]
    assert any(p.explanation.startswith(f"back to {revision.get('name')} after {employer.get('name')}: decision = "
                                        "changes_requested") and "the guidance expects this loop" in p.explanation
               for p in loops), [p.explanation for p in loops]


def test_a_timer_on_each_instance_of_a_task_is_one_step_not_a_loop(shipped_report):
    """Each staff member's consultation has its deadline; when time passes they fire together."""
    assert not any(p.outcome == "loop" and p.element == "consultation_deadline" for p in shipped_report.paths)
    deadline = [p for p in shipped_report.paths if any(c.startswith("consultation_deadline") for c in p.choices)]
    assert deadline and deadline[0].outcome == "published"
    assert deadline[0].steps.count("consultation_deadline (timer)") == 1


def test_a_step_over_a_policy_steps_cpu_time_is_an_error_at_its_element():
    """The dry run holds each step to the CPU time a policy's step may use (here none at all)."""
    report = dry_run(variants.shipped_files(), step_seconds=0)
    root = variants.tree(variants.shipped_files())
    first = variants.tasks_of_step(root, "risk_assessment")[0].get("id")
    assert [p.outcome for p in report.paths] == ["error"]
    assert report.paths[0].element == first and "the limit of one step" in report.paths[0].message


def test_an_answer_that_changed_nothing_as_a_first_choice_is_not_tried_as_a_second(monkeypatch):
    """Combinations are where the time goes: an answer that, tried on its own, left the route's steps as
    they were (a risk score, a review interval) is tried once; one that changed the route (a request for
    changes) is tried again after every other unusual answer."""
    from workflows.engine import dry_run as module

    applied: list[tuple[int, str]] = []
    advance = module._Explorer.advance

    def recording(self, route, label, apply, children):
        if label and apply[0] == "answer":
            applied.append((len(route.choices), f"{apply[1]}: {label}"))
        return advance(self, route, label, apply, children)

    monkeypatch.setattr(module._Explorer, "advance", recording)
    report = dry_run(variants.shipped_files())
    root = variants.tree(variants.shipped_files())
    reassessment = next(iter(steps_of(root, "risk_reassessment")))
    employer = next(iter(steps_of(root, "employer_signoff")))
    alone = {choice for count, choice in applied if count == 0}
    second = {choice for count, choice in applied if count == 1}
    scores = {c for c in alone if c.startswith(f"{reassessment}: ") and "likelihood" in c}
    assert scores and not scores & second, sorted(scores & second)
    assert f"{employer}: decision=changes_requested" in alone & second
    assert report.complete


def test_a_revision_sending_the_policy_back_to_its_risks_is_a_loop_the_guidance_expects(shipped_report):
    """Ticking "reassess the risks first" at each revision comes back to the reassessment: a loop the
    diagram offers on purpose, not one the designer should look into."""
    root = variants.tree(variants.shipped_files())
    reassessment = variants.tasks_of_step(root, "risk_reassessment")[0]
    revision = variants.tasks_of_step(root, "revision")[0]
    loops = [p for p in shipped_report.paths if p.outcome == "loop" and p.element == reassessment.get("id")]
    assert loops, [p.choices for p in shipped_report.paths if p.outcome == "loop"]
    assert all(p.explanation.startswith(f"back to {reassessment.get('name')} after {revision.get('name')}")
               and "the guidance expects this loop" in p.explanation for p in loops), [p.explanation for p in loops]
