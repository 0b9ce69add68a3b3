"""A form's regular expressions run in linear time, and deploy refuses those that cannot.

A designer's ``pattern`` runs on whatever anyone submits. With Python's backtracking
``re``, ``^(a+)+$`` against 27 characters stalled a request for seconds, doubling
with each character; on RE2 it answers at once, for any length. Patterns RE2 cannot
run (backreferences, lookaround) are refused at deploy, naming the form and field.
"""
from __future__ import annotations

import json
import time

import pytest

from workflows.engine.specs import load_bundle
from workflows.errors import DiagramError, InvalidInput
from workflows.forms import validation as forms

EVIL = "^(a+)+$"
PROBE = "a" * 26 + "!"  # about 2 s on a backtracking engine: a regression fails here, it does not hang
ATTACK = "a" * 50_000 + "!"


def form_with(**field) -> dict:
    return {"type": "object", "properties": {"code": {"type": "string", "title": "Reference code", **field}}}


def refused_fields(schema: dict, data: dict) -> dict[str | None, str]:
    with pytest.raises(InvalidInput) as refused:
        forms.validate(schema, data)
    return {e.field: e.message for e in refused.value.errors}


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def test_a_catastrophic_pattern_answers_at_once_and_names_the_field():
    schema = form_with(pattern=EVIL)
    for text in (PROBE, ATTACK):
        seconds = timed(lambda: refused_fields(schema, {"code": text}))  # noqa: B023 - called at once
        assert seconds < 0.5, f"{len(text)} characters: {seconds:.2f} s"
    assert list(refused_fields(schema, {"code": ATTACK})) == ["code"]
    assert forms.validate(schema, {"code": "aaaa"}) == {"code": "aaaa"}


def test_patterns_keep_json_schema_meaning_a_search_not_a_whole_match():
    schema = form_with(pattern="[0-9]{3}")
    assert forms.validate(schema, {"code": "ref 123 b"})
    assert list(refused_fields(schema, {"code": "ref 12"})) == ["code"]


def test_pattern_properties_and_additional_properties_match_names_on_re2():
    schema = {"type": "object", "properties": {}, "patternProperties": {EVIL: {"type": "integer"}},
              "additionalProperties": False}
    assert forms.validate(schema, {"aaa": 3})
    assert list(refused_fields(schema, {"aaa": "three"})) == ["aaa"]
    for name in (PROBE, ATTACK):
        seconds = timed(lambda: refused_fields(schema, {name: 1}))  # noqa: B023 - called at once
        assert seconds < 0.5, f"{len(name)} characters: {seconds:.2f} s"
    assert list(refused_fields(schema, {ATTACK: 1})) == [ATTACK]
    assert refused_fields(schema, {"aaa": 1, "zzz": 1}) == {"zzz": "zzz is not a field of this form."}


def test_a_regex_format_value_is_compiled_by_re2():
    schema = form_with(format="regex")
    assert forms.validate(schema, {"code": "^[a-z]+$"})
    assert list(refused_fields(schema, {"code": "(a)\\1"})) == ["code"]


# ----------------------------------------------------------------- at deploy

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="x">
  <bpmn:process id="tiny" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="lane" name="manager">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>ask</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="ask" name="Ask">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="ask.schema.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ask" />
    <bpmn:sequenceFlow id="f2" sourceRef="ask" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def deploy_problems(form: dict) -> list[str]:
    text = json.dumps(form, indent=2)
    with pytest.raises(DiagramError) as refused:
        load_bundle({"tiny.bpmn": DIAGRAM.encode()}, {"ask.schema.json": text.encode()})
    return [str(problem) for problem in refused.value.problems]


@pytest.mark.parametrize("pattern, why", [
    ("^(a)\\1$", "invalid escape sequence"),
    ("^(?=a)b", "invalid perl operator"),
    ("(?<!x)y", "invalid perl operator"),
])
def test_deploy_refuses_a_pattern_re2_cannot_run_naming_form_line_and_field(pattern, why):
    [problem] = deploy_problems(form_with(pattern=pattern))
    line = json.dumps(form_with(pattern=pattern), indent=2).splitlines().index(f'      "pattern": {json.dumps(pattern)}') + 1
    assert problem.startswith(f"ask.schema.json:{line}: code: pattern ") and why in problem, problem


def test_deploy_refuses_a_bad_pattern_in_a_conditional_rule_and_in_pattern_properties():
    form = {"type": "object", "properties": {"code": {"type": "string"}},
            "allOf": [{"if": {"properties": {"code": {"const": "x"}}},
                       "then": {"properties": {"note": {"pattern": "(x)\\1"}}}}],
            "patternProperties": {"^(?=n)": {"type": "string"}}}
    problems = deploy_problems(form)
    assert len(problems) == 2, problems
    assert any(": note: pattern '(x)\\\\1'" in p for p in problems), problems
    assert any(": -: pattern '^(?=n)'" in p for p in problems), problems


def test_deploy_refuses_pattern_properties_beside_unevaluated_properties():
    form = {"type": "object", "properties": {}, "patternProperties": {"^a": {}}, "unevaluatedProperties": False}
    [problem] = deploy_problems(form)
    assert "unevaluatedProperties" in problem and problem.startswith("ask.schema.json:")


def test_deploy_accepts_patterns_re2_can_run():
    form = form_with(pattern="^[A-Z]{2}-[0-9]+$")
    bundle = load_bundle({"tiny.bpmn": DIAGRAM.encode()}, {"ask.schema.json": json.dumps(form).encode()})
    assert bundle.forms["ask.schema.json"] == form
