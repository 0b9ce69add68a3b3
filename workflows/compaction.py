"""Drop the finished history a running workflow will never look at again.

DRAFT
"""
from __future__ import annotations

from uuid import UUID

from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

_DONE = TaskState.COMPLETED | TaskState.CANCELLED


def compact(workflow: BpmnWorkflow) -> None:
    """Remove every finished task of ``workflow`` (and its subprocesses) that nothing can consult again."""
    _compact_tree(workflow, workflow)
    for task_id in list(workflow.subprocesses):
        if task_id in workflow.subprocesses:
            _compact_tree(workflow.subprocesses[task_id], workflow)


def _compact_tree(workflow, top: BpmnWorkflow) -> None:
    keep = _needed(workflow)
    parents, children = _kept_tree(workflow, keep)
    dropped = [workflow.tasks.pop(task_id) for task_id in list(workflow.tasks) if task_id not in keep]
    _forget(top, dropped)
    for task_id, task in workflow.tasks.items():
        task._parent = parents.get(task_id)
        task._children = children[task_id]


def _forget(top: BpmnWorkflow, dropped: list) -> None:
    """Drop the removed tasks' event registrations and subprocesses (with the subprocesses they started)."""
    while dropped:
        task = dropped.pop()
        subprocess = top.subprocesses.pop(task.id, None)
        if subprocess is not None:
            dropped.extend(subprocess.tasks.values())


def _needed(workflow) -> set[UUID]:
    root = workflow.task_tree
    keep = {root.id}
    if workflow.last_task is not None:
        keep.add(workflow.last_task.id)
    for task in workflow.tasks.values():
        if task.has_state(_DONE):
            continue
        keep.add(task.id)
        keep.update(task._children)
        if task._parent is not None:
            keep.add(task._parent)
    keep.update(_pending_arrivals(workflow))
    return keep


def _pending_arrivals(workflow) -> set[UUID]:
    instances: dict[str, list] = {}
    for task in workflow.tasks.values():
        if isinstance(task.task_spec, UnstructuredJoin) and task.has_state(_DONE):
            instances.setdefault(task.task_spec.name, []).append(task)
    keep = set()
    for tasks in instances.values():
        fired = [task for task in tasks if task.state == TaskState.COMPLETED]
        lines = {task.id: _ancestry(task) for task in tasks}
        for task in tasks:
            if task.state == TaskState.CANCELLED and not any(
                    task.id not in lines[f.id] and f.id not in lines[task.id] for f in fired):
                keep.add(task.id)
                keep.add(task._parent)
    return keep


def _ancestry(task) -> set[UUID]:
    ids = set()
    parent_id = task._parent
    while parent_id is not None:
        ids.add(parent_id)
        parent_id = task.workflow.tasks[parent_id]._parent
    return ids


def _kept_tree(workflow, keep: set[UUID]) -> tuple[dict, dict]:
    """Each kept task's nearest kept ancestor, and each kept task's kept descendants in tree order."""
    parents: dict[UUID, UUID] = {}
    children: dict[UUID, list[UUID]] = {task_id: [] for task_id in keep}
    root = workflow.task_tree
    stack = [(child, root.id) for child in reversed(root._children)]
    while stack:
        task_id, anchor = stack.pop()
        if task_id in keep:
            parents[task_id] = anchor
            children[anchor].append(task_id)
            anchor = task_id
        stack.extend((child, anchor) for child in reversed(workflow.tasks[task_id]._children))
    return parents, children
