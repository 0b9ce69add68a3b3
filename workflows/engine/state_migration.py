"""Moving a running workflow onto another version of its process (inside the sandbox).

SpiffWorkflow's ``SpecDiff`` aligns the old version's tasks with the new one's
(by element id, then by position) and ``migrate_workflow`` points each task at its
new spec and re-plans what follows the ready and waiting tasks. Two things it leaves
to us: a reset task loses its own data (a staff member's consultation task would
forget whose it is) and its internal data (a review timer would forget its date), so
both are put back; and a task whose step the new version lacks cannot be stored
against that version at all, so the move is refused, naming those elements, before
anything changes.
"""
from __future__ import annotations

import copy

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from workflows.engine.multi_instance import BoundedParallelMultiInstance, BoundedSequentialMultiInstance
from workflows.errors import Conflict

# Task specs are compared through their serialized form; ours include the bounded multi-instance kinds.
_REGISTRY = BpmnWorkflowSerializer.configure({
    **SPIFF_CONFIG, BoundedParallelMultiInstance: SPIFF_CONFIG[BoundedParallelMultiInstance.__mro__[1]],
    BoundedSequentialMultiInstance: SPIFF_CONFIG[BoundedSequentialMultiInstance.__mro__[1]]})
_LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
_FINISHED = TaskState.COMPLETED | TaskState.CANCELLED
_PREDICTED = TaskState.MAYBE | TaskState.LIKELY


def _element(task) -> str:
    return task.task_spec.bpmn_id or task.task_spec.name


def _missing(workflow, diff: WorkflowDiff) -> tuple[list[str], list[str]]:
    """(waiting elements, finished elements the waiting ones follow) that the new version lacks."""
    removed = {task.id for task in diff.removed}
    waiting = sorted({_element(t) for t in workflow.get_tasks(state=_LIVE, skip_subprocesses=True) if t.id in removed})
    finished = sorted({_element(t) for t in workflow.get_tasks(state=_FINISHED, skip_subprocesses=True)
                       if t.id in removed and t.parent is not None})
    return waiting, finished


def _diffs(workflow, bundle) -> list[tuple[object, WorkflowDiff, object]]:
    found = [(workflow, WorkflowDiff(workflow, SpecDiff(_REGISTRY, workflow.spec, bundle.spec)), bundle.spec)]
    for subprocess in workflow.subprocesses.values():
        new_spec = bundle.subprocess_specs.get(subprocess.spec.name)
        if new_spec is None:
            live = [_element(t) for t in subprocess.get_tasks(state=_LIVE)]
            raise Conflict(f"The new version has no subprocess '{subprocess.spec.name}', where this policy is "
                           f"waiting at {', '.join(sorted(set(live))) or 'a finished step'}.")
        found.append((subprocess, WorkflowDiff(subprocess, SpecDiff(_REGISTRY, subprocess.spec, new_spec)), new_spec))
    return found


def migrated(workflow, bundle) -> None:
    """Point ``workflow`` at ``bundle``'s spec in place, or raise Conflict naming what the new version lacks."""
    diffs = _diffs(workflow, bundle)
    waiting, finished = [], []
    for part, diff, _spec in diffs:
        w, f = _missing(part, diff)
        waiting += w
        finished += f
    if waiting:
        raise Conflict(f"This policy is waiting at {', '.join(sorted(set(waiting)))}, which the new version does "
                       "not have; it stays on its version.")
    if finished:
        raise Conflict(f"This policy's current steps follow {', '.join(sorted(set(finished)))}, which the new "
                       "version does not have; it stays on its version.")
    workflow.subprocess_specs = bundle.subprocess_specs
    for part, diff, spec in diffs:
        kept = {task.id: (copy.deepcopy(task.data), copy.deepcopy(task.internal_data))
                for task in part.get_tasks(state=TaskState.READY | TaskState.WAITING, skip_subprocesses=True)}
        migrate_workflow(diff, part, spec)
        for task_id, (data, internal) in kept.items():
            task = part.tasks.get(task_id)
            if task is not None:
                task.data, task.internal_data = data, internal
        stale = sorted({_element(t) for t in part.tasks.values() if t.task_spec.name not in spec.task_specs})
        if stale:  # planned steps outside the re-planned branches (a join still waiting, say)
            raise Conflict(f"This policy's planned steps include {', '.join(stale)}, which the new version does not "
                           "have; it stays on its version.")
