"""Moving a running workflow onto another version of its process (inside the sandbox).

SpiffWorkflow's ``SpecDiff`` aligns the old version's tasks with the new one's
(by element id, then by position) and ``migrate_workflow`` points each task at its
new spec and re-plans what follows the ready and waiting tasks. A match by position
alone is not enough: a policy waiting at a task whose id the new version lacks would
run the new version's code against data it never had, so every task it waits at must
exist there by id, and every variable the code ahead reads must be in its data or set
on the way (``reads_ahead.py``); data keys may be renamed as part of the move. Two
more things it leaves to us: a reset task loses its own data (a staff member's consultation task would
forget whose it is) and its internal data (a review timer would forget its date), so
both are put back; and a task whose step the new version lacks cannot be stored
against that version at all, so the move is refused, naming those elements, before
anything changes.
"""
from __future__ import annotations

import copy

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.defaults import InclusiveGateway, ParallelGateway
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from workflows.engine.joins import BranchMergingInclusiveGateway, BranchMergingParallelGateway
from workflows.engine.multi_instance import BoundedParallelMultiInstance, BoundedSequentialMultiInstance
from workflows.engine.reads_ahead import describe_missing, missing_reads, proposed_renames
from workflows.engine.tasks import current_data
from workflows.errors import Conflict

# Task specs are compared through their serialized form; ours include the bounded multi-instance kinds
# and the joins that keep each branch's changes, serialized as the library's kinds they extend.
_REGISTRY = BpmnWorkflowSerializer.configure({
    **SPIFF_CONFIG, BoundedParallelMultiInstance: SPIFF_CONFIG[BoundedParallelMultiInstance.__mro__[1]],
    BoundedSequentialMultiInstance: SPIFF_CONFIG[BoundedSequentialMultiInstance.__mro__[1]],
    BranchMergingParallelGateway: SPIFF_CONFIG[ParallelGateway],
    BranchMergingInclusiveGateway: SPIFF_CONFIG[InclusiveGateway]})
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


def renamed_data(workflow, rename: dict[str, str]) -> None:
    """Rename data keys in every task's data (and the workflow's), before the move."""
    if not rename:
        return
    for holder in [workflow, *workflow.subprocesses.values()]:
        for data in [holder.data, *(task.data for task in holder.tasks.values())]:
            for old, new in rename.items():
                if old in data:
                    if new in data and data[new] != data[old]:
                        raise Conflict(f"This policy already has {new}, so {old} cannot be renamed to it; "
                                       "it stays on its version.")
                    data[new] = data.pop(old)


def _waiting_elements(workflow) -> set[str]:
    return {_element(task) for task in workflow.get_tasks(state=_LIVE) if task.task_spec.bpmn_id}


def _missing_by_id(workflow, bundle) -> list[str]:
    """Elements the workflow waits at that the new version has no element of the same id for."""
    specs = {workflow.spec.name: bundle.spec, **bundle.subprocess_specs}
    missing = set()
    for holder in [workflow, *workflow.subprocesses.values()]:
        new_spec = specs.get(holder.spec.name)
        for task in holder.get_tasks(state=_LIVE, skip_subprocesses=True):
            if task.task_spec.bpmn_id and (new_spec is None or task.task_spec.name not in new_spec.task_specs):
                missing.add(_element(task))
    return sorted(missing)


def check_reads(workflow, bundle, old_files: dict[str, str]) -> None:
    """Conflict unless the data (renamed already) holds, or the way sets, all the new version's code reads ahead."""
    data = set(current_data(workflow))
    found = missing_reads(bundle.files, bundle.process_id, dict.fromkeys(_waiting_elements(workflow), True), data)
    if found:
        raise Conflict(f"This policy could not go on on the new version: "
                       f"{describe_missing(found, data, proposed_renames(old_files, bundle.files))}. "
                       "It stays on its version.")


def migrated(workflow, bundle) -> None:
    """Point ``workflow`` at ``bundle``'s spec in place, or raise Conflict naming what the new version lacks."""
    by_id = _missing_by_id(workflow, bundle)
    if by_id:
        raise Conflict(f"This policy is waiting at {', '.join(by_id)}, which the new version does not have; "
                       "it stays on its version.")
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


def check_route_ahead(engine, bundle, workflow, now) -> None:
    """Conflict if the usual answers from here would stop at an error on the new version."""
    from workflows.engine.dry_run import route_ahead

    route = route_ahead(engine, bundle, workflow, now)
    if route.outcome == "error":
        steps = " → ".join(route.steps)
        raise Conflict(f"On the new version this policy would stop: {route.message} (dry run from where it is: "
                       f"{steps}). It stays on its version.")
