"""Parallel and inclusive joins that keep what each branch changed.

Every branch of a split starts with a copy of all the data. SpiffWorkflow 3.2's join
deep-merges the branches' whole data in the order they arrived, the last one last,
so an unchanged copy wins over a change: in a full review, the staff consultation
finishing after the patient liaison brought the previous cycle's liaison answers back
over this cycle's (and a list merged item by item could mix both cycles).

Here a join compares each branch's data with the data at the split (the tasks' last
common ancestor, which compaction keeps while the branches are open) and applies only
what the branch changed, added or deleted, in the order the branches arrived; nested
dictionaries are compared key by key, anything else is replaced whole. Two branches
that change the same value still race: the one arriving last wins, as before.
"""
from __future__ import annotations

import copy

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.defaults import InclusiveGateway, ParallelGateway
from SpiffWorkflow.util.task import TaskState

_MISSING = object()


def _changes_applied(target: dict, base: dict, branch: dict) -> dict:
    """``target`` with what ``branch`` changed relative to ``base``."""
    for key, value in branch.items():
        old = base.get(key, _MISSING)
        if value == old:
            continue
        current = target.get(key)
        if isinstance(value, dict) and isinstance(old, dict) and isinstance(current, dict):
            target[key] = _changes_applied(dict(current), old, value)
        else:
            target[key] = value
    for key in base:
        if key not in branch:
            target.pop(key, None)
    return target


def _lineage(task) -> list:
    """``task`` and its ancestors, nearest first."""
    chain = []
    while task is not None:
        chain.append(task)
        task = task.parent
    return chain


def _common_ancestor(tasks: list):
    """The nearest task every one of ``tasks`` descends from (or is)."""
    shared = set.intersection(*({t.id for t in _lineage(task)} for task in tasks))
    return next(task for task in _lineage(tasks[0]) if task.id in shared)


class _BranchMerge:
    def _merge_branches(self, my_task) -> None:
        # An earlier round's instances (below the last time this join fired on my path) were merged then.
        previous = next((t for t in _lineage(my_task.parent) if t.task_spec == self), None)
        arrived = sorted((t for t in my_task.workflow.tasks.values()
                          if t.task_spec == self and t.has_state(TaskState.FINISHED_MASK)
                          and not my_task.is_descendant_of(t) and (previous is None or t.is_descendant_of(previous))),
                         key=lambda t: t.last_state_change)
        branches = [task.parent for task in arrived] + [my_task.parent]
        base = _common_ancestor(branches).data
        merged = dict(base)
        for branch in branches:
            merged = _changes_applied(merged, base, branch.data)
        for task in arrived:
            if task.has_state(TaskState.COMPLETED):  # a branch reset to: its old descendants go (as in the library)
                task._drop_children(force=True)
        my_task.data = copy.deepcopy(merged)


class BranchMergingParallelGateway(_BranchMerge, ParallelGateway):
    def _run_hook(self, my_task):
        self._merge_branches(my_task)
        return True


class BranchMergingInclusiveGateway(_BranchMerge, InclusiveGateway):
    def _run_hook(self, my_task):
        # The library's hook merges before it chooses the outgoing flows; this one merges its own way, then
        # chooses them from the merged data in the same way.
        self._merge_branches(my_task)
        matches, defaults = self._get_matching_outputs(my_task)
        if not matches and not defaults:
            raise WorkflowTaskException("No conditions satisfied on gateway", task=my_task)
        my_task._sync_children(matches or defaults, TaskState.FUTURE)
        for child in my_task.children:
            child.task_spec._predict(child, mask=TaskState.FUTURE | TaskState.PREDICTED_MASK)
        return True
