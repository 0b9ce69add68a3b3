"""Every problem the studio's check reports points at an element, by id and line, wherever the
diagram has one: the editor marks that element and a click on the problem selects it.

Each case once came back with no element: the BPMN schema's errors (a line only), a publication
the start cannot reach (marked on the start event), a form that is not JSON Schema (no field, no
line), and failures the dry run met away from a task's own code (an automatic loop, a timer whose
expression cannot be read, a bound of the whole run). Elements are found by step and kind.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from lxml import etree

from tests import diagram_variants as variants
from tests.studio import add_designer
from workflows.designer import deploy
from workflows.engine.dry_run import DryRunReport
from workflows.errors import WorkflowFailure

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def designer(services, people):
    return add_designer(services)


def at(files: dict, problem, element_id: str) -> None:
    """``problem`` names ``element_id`` and the line of the file where that element is written."""
    assert problem.element == element_id, problem
    found = etree.fromstring(files[problem.file].encode()).xpath("//*[@id=$id]", id=element_id)
    assert found and problem.line == found[0].sourceline, problem


def only_error(report):
    assert not report.ok and len(report.errors) == 1, report.errors
    return report.errors[0]


def test_a_schema_error_points_at_the_element_written_on_its_line(services, designer):
    files = variants.shipped_files()
    first, second = variants.tasks_of_step(variants.tree(files), "risk_assessment")[:2]
    name = variants.diagram_name(files)
    text = files[name].replace(f'id="{first.get("id")}"', f'id="{first.get("id")}" priority="high"', 1)
    report = services.studio.check(designer, {**files, name: text})
    at({**files, name: text}, only_error(report), first.get("id"))
    assert "'priority' is not allowed" in report.errors[0].message

    # An element the schema does not expect, which has no id of its own: the task around it.
    root = variants.tree(files)
    task = variants.by_id(root, second.get("id"))
    etree.SubElement(task, f"{{{variants.BPMN}}}approval")
    changed = variants.with_tree(files, root)
    problem = only_error(services.studio.check(designer, changed))
    assert problem.element == second.get("id") and "approval" in problem.message
    assert problem.line == etree.fromstring(changed[name].encode()).xpath("//*[local-name()='approval']")[0].sourceline


def test_a_publication_the_start_cannot_reach_is_marked_on_the_publication_task(services, designer):
    files = variants.shipped_files()
    root = variants.tree(files)
    publication = variants.tasks_of_step(root, "publication")[0]
    review = variants.tasks_of_step(root, "review")[0]
    for flow in variants.flows(root, target=publication.get("id")):
        variants.retarget(root, flow, review.get("id"))
    changed = variants.with_tree(files, root)
    problem = only_error(services.studio.check(designer, changed))
    assert problem.message == "no task of step 'publication' can be reached from the start event"
    at(changed, problem, publication.get("id"))


def test_a_form_that_is_not_json_schema_points_at_its_field_and_line(services, designer):
    files = variants.shipped_files()
    name = next(n for n in sorted(files) if n.endswith(".schema.json"))
    form = json.loads(files[name])
    field = list(form["properties"])[-1]
    form["properties"][field]["type"] = "txt"
    text = json.dumps(form, indent=2)
    problem = only_error(services.studio.check(designer, {**files, name: text}))
    assert (problem.file, problem.element) == (name.removeprefix("forms/"), field)
    assert text.splitlines()[problem.line - 1].strip().startswith(json.dumps(field))
    assert problem.message.startswith("not a valid JSON Schema form: 'txt' is not valid")


def test_an_automatic_loop_the_dry_run_meets_points_at_its_last_element(services, designer):
    files = variants.shipped_files()
    root = variants.tree(files)
    rating = next(root.iter(f"{{{variants.BPMN}}}businessRuleTask"))
    onward = variants.flows(root, source=rating.get("id"))[0]
    after = onward.get("targetRef")
    process = rating.getparent()
    gateway = etree.SubElement(process, f"{{{variants.BPMN}}}exclusiveGateway", id="rate_again", default="rated")
    onward.set("targetRef", gateway.get("id"))
    back = etree.SubElement(process, f"{{{variants.BPMN}}}sequenceFlow", id="rate_once_more",
                            sourceRef=gateway.get("id"), targetRef=rating.get("id"))
    etree.SubElement(back, f"{{{variants.BPMN}}}conditionExpression").text = "True"
    etree.SubElement(process, f"{{{variants.BPMN}}}sequenceFlow", id="rated", sourceRef=gateway.get("id"),
                     targetRef=after)
    changed = variants.with_tree(files, root)
    problem = only_error(services.studio.check(designer, changed))
    assert "automatic steps without waiting for anyone" in problem.message
    at(changed, problem, rating.get("id"))


def test_a_timer_whose_expression_cannot_be_read_at_run_time_points_at_its_event(services, designer):
    files = variants.shipped_files()
    root = variants.tree(files)
    event = next(b for b in root.iter(f"{{{variants.BPMN}}}boundaryEvent")
                 if b.find("bpmn:timerEventDefinition", variants.NS) is not None)
    next(event.iter(f"{{{variants.BPMN}}}timeDuration")).text = "'two weeks'"  # a string, not a duration
    changed = variants.with_tree(files, root)
    problem = only_error(services.studio.check(designer, changed))
    assert problem.message.startswith(f"dry run: The process could not continue (the timer expression of "
                                      f"{event.get('id')})")
    at(changed, problem, event.get("id"))


class _Answers:
    """A dry-run sandbox answering what a test needs: a report, or a failure."""

    def __init__(self, answer):
        self.answer = answer

    def run(self, *args, **kwargs):
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.mark.parametrize("answer, message", [
    (WorkflowFailure("The dry run did not finish within 30 s"), "dry run: The dry run did not finish within 30 s"),
    (DryRunReport([], [], False, 1500), "the dry run found no route to follow"),
], ids=["the whole run failed", "nothing explored"])
def test_what_no_element_caused_points_at_the_process_that_runs(answer, message):
    files = variants.shipped_files()
    report = deploy.check(files, _Answers(answer), NOW)
    process = next(variants.tree(files).iter(f"{{{variants.BPMN}}}process"))
    assert report.errors[0].message == message
    at(files, report.errors[0], process.get("id"))
    assert all(problem.element for problem in report.errors + report.warnings), report.warnings
