"""What a workflow asks of people right now, read from the diagram's own metadata.

The diagram marks each user task with its form, its lifecycle step, the data key
its answers are saved under and, for per-person tasks, the variable naming the
assignee. Nothing here knows task ids or their order.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from workflows.engine.diagram_checks import DUE_IN_PROPERTY, FORM_PROPERTY

__all__ = ["DUE_IN_PROPERTY", "ReadyTask", "current_data", "describe", "ready_human_tasks", "task_properties"]


@dataclass(frozen=True)
class ReadyTask:
    id: str
    element_id: str
    title: str
    lane: str | None
    lifecycle_step: str | None
    assignee: str | None
    form: str | None
    data_key: str
    #: Filled in by the engine for a task that has just become ready: its rendered
    #: instructions and the answers its form starts with.
    instructions: str | None = None
    values: dict | None = None
    due_at: datetime | None = None


def task_properties(task) -> dict[str, str]:
    return dict(task.task_spec.extensions.get("properties", {}))


def describe(task) -> ReadyTask:
    props = task_properties(task)
    spec = task.task_spec
    assignee_variable = props.get("assignee")
    assignee = task.data.get(assignee_variable) if assignee_variable else None
    return ReadyTask(
        id=str(task.id),
        element_id=spec.bpmn_id,
        title=spec.bpmn_name or spec.bpmn_id,
        lane=spec.lane,
        lifecycle_step=props.get("lifecycleStep"),
        assignee=str(assignee) if assignee is not None else None,
        form=props.get(FORM_PROPERTY),
        data_key=props.get("dataKey") or spec.bpmn_id,
    )


def ready_human_tasks(workflow: BpmnWorkflow) -> list[ReadyTask]:
    return [describe(task) for task in workflow.get_tasks(state=TaskState.READY, manual=True)]


def current_data(workflow: BpmnWorkflow) -> dict:
    """The data the workflow will carry on with: merged from its waiting and ready tasks
    (a finished workflow's is what its last task ended with).

    Tasks of the main process come last, so their values win over the copies that
    subprocesses took when they started (an incident review started months ago
    holds the draft of that time)."""
    merged: dict = {}
    waiting = workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
    for task in sorted(waiting, key=lambda t: t.workflow is workflow):
        merged.update(task.data)
    if not merged and workflow.is_completed() and workflow.last_task is not None:
        merged.update(workflow.last_task.data)
    return merged
