"""Drop the finished history a running workflow can never consult again.

SpiffWorkflow keeps every task instance it ever created: each loop of a policy's lifecycle
(a "full review", a sign-off sent back) adds a new branch below the old one, so a workflow that
runs for decades grows without bound, and so does every step's cost. The audit table keeps the
history; ``compact`` cuts the running workflow back to what its live tasks (anything not
COMPLETED or CANCELLED, so ERROR counts as live) can still reach or read. What SpiffWorkflow 3.2
reads, and so what is kept:

* The root: the tree starts there and the serializer stores its data in full.
* Every live task, its parent (still as its parent) and its children. A waiting or future task
  inherits its parent's data whenever it is updated (waiting tasks are updated after every
  completed task), and a join checks its instances' parents to see which inputs have arrived.
  A running multi-instance or loop task finds its instances among its children.
* ``workflow.last_task``: the serializer stores it by id, and ``run_next`` starts from it.
* Every task below which two kept tasks part ways (their last common ancestor): while the
  branches of a split are open, the split's data is what the join compares each branch with,
  to keep what each changed (joins.py).
* Tokens waiting at a join (parallel, inclusive, or the process end). When a second token
  arrives, SpiffWorkflow cancels the instance the first one waited in; when the join fires it
  counts the cancelled instances whose parents completed and merges their parents' data. So a
  cancelled instance is kept, with its parent, until an instance of that join completes that is
  neither its ancestor nor its descendant: the join fired and consumed it.

Everything else that is finished goes: paths that ended, and the chain of completed ancestors
above the live tasks' parents. A kept task whose parent goes is re-attached to its nearest kept
ancestor, in the same place among its siblings, so the order in which SpiffWorkflow visits the
tasks (and runs ready ones) does not change. Each task keeps its own data; the serializer
stores it as a delta from the new parent and rebuilds it from there, and parents still come
before children in ``workflow.tasks``, as loading needs, because only ancestors become parents.
A removed call activity or event subprocess task takes its (finished) subprocess with it,
including the subprocesses that one started.

Why nothing above a live task's parent is needed: a task reads its own parent, not its
grandparents. Joins are the exception. They ask whether another instance of the same join is an
ancestor (to skip earlier rounds on their own path, which are gone anyway), and a boundary-event
or multi-start-event join looks its split up as an ancestor; that split is the parent of the task
or events the join waits for, which stay live until the join fires in the same step. A finished
task is never registered for events: it is unregistered when it fires or is cancelled.

Where the result differs from the uncompacted workflow, SpiffWorkflow 3.2 is consulting an
earlier round by mistake, and the compacted workflow behaves as in the first round: a parallel
join counts an earlier round's cancelled instance as an arrival (in a later cycle the revision
opens as soon as the first consultation answers) and merges that round's data into the join; an
inclusive join in a loop stops its search at the earlier round's instance and fires at the first
arrival; a parallel join whose predictions loop back to itself searches its ancestors, back into
earlier rounds, for an arrived input. Uncompacted, a policy's task tree also deepens by about
fifteen levels a cycle until, around cycle 67, the parallel join's ancestor check overflows
Python's recursion limit.

Other consequences: a path that ends while the process carries on (a non-interrupting boundary
event's path) keeps its end event and cancelled end join until the process ends, because the
final data merges them; a standard loop keeps its iterations while it runs; completed tasks can
no longer be looked up by id or reset to. Ad hoc subprocesses, which SpiffWorkflow 3.2 cannot
serialize, are not covered.
"""
from __future__ import annotations

from uuid import UUID

from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

_FINISHED = TaskState.COMPLETED | TaskState.CANCELLED


def compact(workflow: BpmnWorkflow) -> None:
    """Remove from ``workflow`` and its subprocesses every finished task nothing can consult again."""
    _compact_tree(workflow, workflow)
    for task_id in list(workflow.subprocesses):
        if task_id in workflow.subprocesses:  # not dropped with an enclosing subprocess meanwhile
            _compact_tree(workflow.subprocesses[task_id], workflow)


def _compact_tree(workflow, top: BpmnWorkflow) -> None:
    keep = _needed(workflow)
    parents, children = _reattach(workflow, keep)
    _drop_subprocesses(top, [workflow.tasks.pop(task_id) for task_id in list(workflow.tasks) if task_id not in keep])
    for task_id, task in workflow.tasks.items():
        task._parent = parents.get(task_id)
        task._children = children[task_id]


def _needed(workflow) -> set[UUID]:
    keep = {workflow.task_tree.id}
    if workflow.last_task is not None:
        keep.add(workflow.last_task.id)
    for task in workflow.tasks.values():
        if not task.has_state(_FINISHED):
            keep.add(task.id)
            keep.update(task._children)
            if task._parent is not None:
                keep.add(task._parent)
    keep |= _waiting_arrivals(workflow)
    return keep | _branch_points(workflow, keep)


def _waiting_arrivals(workflow) -> set[UUID]:
    """Cancelled join instances (and their parents) that no completed instance of the join has consumed."""
    instances: dict[str, list] = {}
    for task in workflow.tasks.values():
        if isinstance(task.task_spec, UnstructuredJoin) and task.has_state(_FINISHED):
            instances.setdefault(task.task_spec.name, []).append(task)
    keep = set()
    for tasks in instances.values():
        fired = [task for task in tasks if task.state == TaskState.COMPLETED]
        ancestors = {task.id: _ancestors(task) for task in tasks}
        for task in tasks:
            if task.state == TaskState.CANCELLED and not any(
                    join.id not in ancestors[task.id] and task.id not in ancestors[join.id] for join in fired):
                keep.update((task.id, task._parent))
    return keep


def _branch_points(workflow, keep: set[UUID]) -> set[UUID]:
    """The tasks below which two kept tasks part ways: a split whose branches are still open,
    whose data a join compares each branch with (joins.py)."""
    tree_order, stack = [], [workflow.task_tree.id]
    while stack:
        task_id = stack.pop()
        tree_order.append(task_id)
        stack.extend(workflow.tasks[task_id]._children)
    reaches, points = {}, set()
    for task_id in reversed(tree_order):  # children before their parents
        branches = sum(reaches[child] for child in workflow.tasks[task_id]._children)
        reaches[task_id] = task_id in keep or branches > 0
        if branches >= 2:
            points.add(task_id)
    return points


def _ancestors(task) -> set[UUID]:
    ids, parent_id = set(), task._parent
    while parent_id is not None:
        ids.add(parent_id)
        parent_id = task.workflow.tasks[parent_id]._parent
    return ids


def _reattach(workflow, keep: set[UUID]) -> tuple[dict, dict]:
    """Each kept task's nearest kept ancestor, and each kept task's kept descendants, in tree order."""
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


def _drop_subprocesses(top: BpmnWorkflow, dropped: list) -> None:
    """Forget the subprocesses of removed tasks, and the subprocesses those started."""
    while dropped:
        subprocess = top.subprocesses.pop(dropped.pop().id, None)
        if subprocess is not None:
            dropped.extend(subprocess.tasks.values())
