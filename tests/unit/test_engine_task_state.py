"""The engine completes only a task that waits for an answer now (SpiffWorkflow's ``task.run()`` does not check).

The task index in the database normally refuses first; these are the engine's own checks, for a
state and an index that disagree: the reassessment the diagram predicts while the consultations
are still open, or an automatic task, is refused with a Conflict and nothing moves; a task the
state does not hold (answered long ago, or another policy's) is not found, never a crash.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from SpiffWorkflow.util.task import TaskState

from tests.answers import answers_for
from tests.conftest import default_bundle
from workflows.engine.steps import WorkflowEngine
from workflows.errors import Conflict, NotFound

NOW = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
START = {"policy": {"title": "Recording during ultrasound", "department": "Ultrasound"}, "staff_members": ["sam"]}


def in_consultation():
    engine, bundle = WorkflowEngine(), default_bundle()
    result = engine.start(bundle, START, NOW)
    for _ in range(2):  # the draft, then the risk assessment
        task = result.ready[0]
        result = engine.complete(bundle, result.state, task.id, answers_for(f"{task.form}"), NOW)
    return engine, bundle, result


def task_id(engine, bundle, state: str, element: str, states: int) -> str:
    workflow = engine.load(bundle, state)
    return str(next(t.id for t in workflow.get_tasks(state=states) if t.task_spec.bpmn_id == element))


@pytest.mark.parametrize("element, states", [
    ("reassess_risks", TaskState.PREDICTED_MASK | TaskState.FUTURE),  # predicted while consultations are open
    ("staff_consultations", TaskState.STARTED),  # not a person's task
], ids=["predicted", "automatic"])
def test_a_task_that_is_not_waiting_for_an_answer_is_refused_and_nothing_moves(element, states):
    engine, bundle, result = in_consultation()
    with pytest.raises(Conflict, match="no longer waiting for an answer"):
        engine.complete(bundle, result.state, task_id(engine, bundle, result.state, element, states),
                        answers_for("risk_reassessment.schema.json"), NOW)
    patient = next(t for t in result.ready if t.element_id == "patient_consultation")
    after = engine.complete(bundle, result.state, patient.id, answers_for(patient.form), NOW)
    assert sorted(t.element_id for t in after.ready) == ["equality_impact", "staff_consultation"]


def test_a_task_answered_long_ago_or_of_another_policy_is_not_found():
    engine, bundle, result = in_consultation()
    _engine, _bundle, other = in_consultation()
    answered = engine.start(bundle, START, NOW).ready[0].id  # a draft task: compacted away once answered
    for foreign in (other.ready[0].id, answered):
        with pytest.raises(NotFound, match="does not exist in this policy"):
            engine.complete(bundle, result.state, foreign, answers_for("patient_consultation.schema.json"), NOW)
