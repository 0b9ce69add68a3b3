"""A diagram cannot hold the server: runaway automatic loops stop with a clear failure."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from workflows.engine.specs import load_bundle
from workflows.engine.steps import MAX_ENGINE_STEPS, WorkflowEngine
from workflows.errors import WorkflowFailure

LOOPING = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="http://example.org">
  <bpmn:process id="looping" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="count" name="Count"><bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>again</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:script>n = 1</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="more" default="done"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>again</bpmn:outgoing><bpmn:outgoing>done</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="end"><bpmn:incoming>done</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="count"/>
    <bpmn:sequenceFlow id="f2" sourceRef="count" targetRef="more"/>
    <bpmn:sequenceFlow id="again" sourceRef="more" targetRef="count">
      <bpmn:conditionExpression>True</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="done" sourceRef="more" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def test_an_endless_automatic_loop_stops_with_a_message_naming_the_problem():
    bundle = load_bundle({"looping.bpmn": LOOPING}, {})
    with pytest.raises(WorkflowFailure) as raised:
        WorkflowEngine().start(bundle, {}, datetime.now(timezone.utc))
    assert f"more than {MAX_ENGINE_STEPS} automatic steps" in raised.value.message
    assert "loop" in raised.value.message
