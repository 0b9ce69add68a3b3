"""A running workflow's state as text, without its process spec.

SpiffWorkflow's serializer copies the whole parsed process spec into every
saved workflow (about 11 KiB for our diagram) and rebuilds it on every load,
which was half the cost of a step. A process version never changes, so its spec
is parsed once from the version's files and each state refers to it: the
workflow converter here leaves the spec out when saving and takes the already
parsed one when loading. Everything else is the library's own serialization.
"""
from __future__ import annotations

import json
from datetime import date
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from workflows.engine.specs import ProcessBundle

FORMAT_KEY = "policyflow_state"
FORMAT = 1


class _WorkflowWithoutSpec(BpmnWorkflowConverter):
    """The library's workflow converter, minus the spec copy."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        dct[FORMAT_KEY] = FORMAT
        return dct

    def from_dict(self, dct: dict, bundle: ProcessBundle) -> BpmnWorkflow:
        workflow = self.target_class(bundle.spec, bundle.subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _serializer() -> BpmnWorkflowSerializer:
    registry = BpmnWorkflowSerializer.configure({**SPIFF_CONFIG, BpmnWorkflow: _WorkflowWithoutSpec})
    # Diagrams may store plain dates (scripts can call date(...)); the library only knows datetimes.
    registry.register(date, lambda value: {"value": value.isoformat()},
                      lambda dct: date.fromisoformat(dct["value"]))
    return BpmnWorkflowSerializer(registry)


class WorkflowCodec:
    """Turns workflows into stored text and back, against their version's parsed spec."""

    def __init__(self):
        self._serializer = _serializer()

    def dump(self, workflow: BpmnWorkflow) -> str:
        return self._serializer.serialize_json(workflow)

    def load(self, state: str, bundle: ProcessBundle) -> BpmnWorkflow:
        dct = json.loads(state)
        if dct.get(FORMAT_KEY) != FORMAT:
            raise ValueError("this workflow state was not written by policyflow's codec")
        self._serializer.migrate(dct)
        return self._serializer.from_dict(dct, bundle=bundle)
