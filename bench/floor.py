"""The floor: plain SpiffWorkflow on our diagram, no database, no web, no sandbox.

One step is what any app on the library must do at least: load the serialized
workflow (the library's serializer, spec included), complete one user task,
run to the next wait, serialize it again. Completions per second on one core.
"""
from __future__ import annotations

import time

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from tests.answers import answers_for
from workflows.engine.specs import parse_xml, read_bundle_directory
from workflows.engine.steps import DEFAULT_REVIEW_LEAD, REVIEW_LEAD_PROPERTY, REVIEW_LEAD_VARIABLE
from workflows.scripting import restricted_script_engine
from workflows.wiring import BPMN_DIR

from .common import STAFF


def _spec():
    parser = SpiffBpmnParser(validator=VALIDATOR)
    diagrams, _forms = read_bundle_directory(BPMN_DIR)
    for name, data in diagrams.items():
        (parser.add_dmn_xml if name.endswith(".dmn") else parser.add_bpmn_xml)(parse_xml(name, data), filename=name)
    return parser.get_spec("policy_lifecycle"), parser.get_subprocess_specs("policy_lifecycle")


def measure(policies: int = 40) -> dict:
    spec, subprocesses = _spec()
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    engine = restricted_script_engine()
    samples = []
    for _ in range(policies):
        workflow = BpmnWorkflow(spec, subprocesses, script_engine=engine)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update({"policy": {"title": "Floor", "department": "d"},
                              "staff_members": [f"s{i}" for i in range(STAFF)]})
        workflow.do_engine_steps()
        saved = serializer.serialize_json(workflow)
        while True:
            began = time.perf_counter()
            workflow = serializer.deserialize_json(saved)
            workflow.script_engine = engine
            task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
            props = dict(task.task_spec.extensions["properties"])
            task.data[props.get("dataKey") or task.task_spec.bpmn_id] = answers_for(props["formJsonSchemaFilename"])
            if props.get("lifecycleStep") == "publication":  # as the app's engine hands it to the post-script
                task.data[REVIEW_LEAD_VARIABLE] = props.get(REVIEW_LEAD_PROPERTY) or DEFAULT_REVIEW_LEAD
            task.run()
            workflow.do_engine_steps()
            saved = serializer.serialize_json(workflow)
            samples.append(time.perf_counter() - began)
            if dict(task.task_spec.extensions["properties"]).get("lifecycleStep") == "publication":
                break
    return {"steps": len(samples), "per_second": len(samples) / sum(samples),
            "median_ms": sorted(samples)[len(samples) // 2] * 1000}
