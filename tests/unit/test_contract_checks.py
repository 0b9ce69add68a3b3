"""Deploy refuses a diagram that breaks the review-evidence contract, saying where and why:
what a task page shows (``reviewContext``), what a form starts from (``formStartsFrom``) and
what a publication publishes (``publishes``)."""
from __future__ import annotations

import json

import pytest

from tests.unit.test_specs import FORM, FORM_NAME, FORM_PROPERTY_LINE, TINY
from workflows.engine.specs import load_bundle
from workflows.errors import DiagramError


def with_properties(*properties: str) -> bytes:
    extra = "".join(f'<spiffworkflow:property name="{n}" value="{v}" />' for n, v in
                    (p.split("=", 1) for p in properties))
    return TINY.replace(FORM_PROPERTY_LINE, FORM_PROPERTY_LINE + extra).encode()


def problems(*properties: str) -> list[str]:
    with pytest.raises(DiagramError) as refused:
        load_bundle({"tiny.bpmn": with_properties(*properties)}, {FORM_NAME: json.dumps(FORM).encode()})
    return [str(p) for p in refused.value.problems]


def test_a_context_part_no_page_can_show_is_refused():
    [problem] = problems("reviewContext=draft minutes_of_meeting")
    assert problem.startswith("tiny.bpmn:") and ": write_note: reviewContext names minutes_of_meeting" in problem


def test_a_form_must_start_from_a_variable_name():
    [problem] = problems("formStartsFrom=policy draft")
    assert "formStartsFrom must name a variable" in problem


def test_a_publication_must_say_what_it_publishes():
    [problem] = problems("lifecycleStep=publication")
    assert "a publication task needs a 'publishes' property" in problem


def test_the_contract_properties_are_accepted_when_right():
    bundle = load_bundle({"tiny.bpmn": with_properties("lifecycleStep=publication", "publishes=policy_draft",
                                                       "reviewContext=draft signoffs", "formStartsFrom=note")},
                         {FORM_NAME: json.dumps(FORM).encode()})
    assert bundle.process_id == "tiny"
