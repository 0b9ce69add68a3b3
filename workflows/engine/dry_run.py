"""The dry run: a draft run along every route its gateways allow, in memory, inside the sandbox.

Nothing is stored. Answers come from the forms (``sample_answers``): a base answer
for every task, and variants that change one choice code can read. The search is
breadth-first by how many answers differ from the base: each route is first followed
with base answers to its end; each choice met on the way (a variant, or letting the
waiting timers fire instead of answering) starts a new route, unless it leads to a
state already seen (the same waits and the same data as far as code can read it).
Every instance of a multi-instance task gets the same answer. A route ends when a
publication task completes ("published"), when nothing can move ("stuck", or the
process ended without publishing), when a step comes round more than the loop bound
("loop"), or at an error, located at its element ("error": a gateway whose conditions
all fail, a script that raises). The search stops at its bounds (routes, time) and
says so; elements never reached are reported only when it did not stop early.
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from SpiffWorkflow.util.task import TaskState

from workflows.engine.code_reads import code_reads
from workflows.engine.flow_graph import flow_graph
from workflows.engine.sample_answers import variants
from workflows.engine.specs import parse_xml
from workflows.engine.tasks import describe
from workflows.engine.timers import waiting_timers
from workflows.errors import InvalidInput, PolicyflowError

_ERROR_AT = " at "
_SEEN = TaskState.COMPLETED | TaskState.READY | TaskState.WAITING | TaskState.STARTED


@dataclass(frozen=True)
class DryRunPath:
    steps: list[str]
    outcome: str  # published | stuck | loop | error
    element: str | None
    message: str
    choices: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DryRunReport:
    paths: list[DryRunPath]
    unreachable: list[str]
    complete: bool
    explored: int


@dataclass
class _Route:
    workflow: object
    steps: list[str]
    choices: list[str]
    visits: dict[str, int]


class _Explorer:
    def __init__(self, engine, bundle, now: datetime, max_paths: int, max_visits: int, seconds: float,
                 max_decisions: int):
        self.engine, self.bundle, self.now = engine, bundle, now
        self.max_paths, self.max_visits, self.max_decisions = max_paths, max_visits, max_decisions
        self.deadline = time.process_time() + seconds
        self.reads = code_reads(bundle.files)
        self.paths: dict[tuple, DryRunPath] = {}
        self.seen_states: set = set()
        self.reached: set[str] = set()
        self.stopped = False
        self.explored = 0
        self._answers: dict[str, list] = {}

    def out_of_bounds(self) -> bool:
        if len(self.paths) >= self.max_paths or time.process_time() > self.deadline:
            self.stopped = True
        return self.stopped

    def note_reached(self, workflow) -> None:
        for task in workflow.get_tasks(state=_SEEN):
            self.reached.add(task.task_spec.bpmn_id or task.task_spec.name)

    def choices_for(self, task) -> list[tuple[str, dict]]:
        form_name = describe(task).form
        if form_name not in self._answers:
            form = self.bundle.forms.get(form_name or "", {"type": "object", "properties": {}})
            try:
                self._answers[form_name] = variants(form, self.reads.fields, self.now.date())
            except InvalidInput as error:
                raise PolicyflowError(f"The process could not continue at {describe(task).element_id}: the dry run "
                                      f"could not fill in its form {form_name}: {error.message}") from None
        return self._answers[form_name]

    def signature(self, workflow, visits: dict) -> tuple:
        ready = sorted((t.task_spec.name, t.state) for t in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING))
        data = {}
        for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
            data.update(task.data)
        return tuple(ready), tuple(sorted(visits.items())), self.reads.project(data)

    def finish(self, route: _Route, outcome: str, element: str | None, message: str) -> bool:
        """Record how ``route`` ended; whether it was a route not seen before."""
        key = (tuple(route.steps), outcome, element)
        if key in self.paths:
            return False
        self.paths[key] = DryRunPath(list(route.steps), outcome, element, message, list(route.choices))
        return True

    def follow(self, route: _Route, queue: deque) -> None:
        """Follow ``route`` with base answers to its end; if it ended a new way, queue the other
        choices met on the way (a route that ends as a known one adds nothing new to try)."""
        children: list = []
        while True:
            ended = self.step(route, children)
            if ended is not None:
                break
        if ended:
            queue.extend(children)

    def step(self, route: _Route, children: list) -> bool | None:
        workflow = route.workflow
        self.note_reached(workflow)
        ready = [t for t in workflow.get_tasks(state=TaskState.READY, manual=True)]
        timers = waiting_timers(workflow)
        last = route.steps[-1] if route.steps else None
        if workflow.is_completed():
            return self.finish(route, "stuck", last, "the process ended without publishing")
        if not ready and not timers:
            return self.finish(route, "stuck", last, "nothing can move on: no task is ready and no timer is waiting")
        if len(route.steps) >= self.max_decisions:
            return self.finish(route, "loop", last, f"the route passed {self.max_decisions} steps")
        options = self.options(ready, timers)
        for label, apply in options[1:]:
            children.append((self.snapshot(route), label, apply))
        label, apply = options[0]
        return self.advance(route, label, apply, children)

    def snapshot(self, route: _Route) -> _Route:
        return _Route(self.engine.copy_workflow(self.bundle, route.workflow), list(route.steps), list(route.choices),
                      dict(route.visits))

    def options(self, ready: list, timers: list) -> list[tuple[str, object]]:
        found = []
        if ready:
            first = ready[0]
            group = [t for t in ready if t.task_spec is first.task_spec]
            for label, answers in self.choices_for(first):
                found.append((label, ("answer", group, answers)))
        if timers:
            found.append(("time passes", ("timers",)))
        return found

    def advance(self, route: _Route, label: str, apply, children: list) -> bool | None:
        """Apply one choice to the route's workflow: None while it goes on, else whether it ended a new way."""
        self.explored += 1
        workflow = route.workflow
        try:
            if apply[0] == "answer":
                _kind, group, answers = apply
                ids = {t.id for t in group}
                for task in [t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if t.id in ids]:
                    self.engine.run_task(self.bundle, workflow, task, answers, self.now)
                steps, step = [describe(group[0]).element_id], describe(group[0]).lifecycle_step
            elif apply[0] == "timers":
                fired = self.engine.fire_timers(self.bundle, workflow, self.now, due_only=False)
                steps = [f"{element} (timer)" for element in fired]
                step = None
            else:  # carry on after a publication
                return None
        except PolicyflowError as error:
            self.note_reached(workflow)
            route.steps.append(describe(apply[1][0]).element_id if apply[0] == "answer" else "time passes")
            return self.finish(route, "error", _element_of(error.message), error.message)
        route.steps.extend(steps)
        if label:
            route.choices.append(f"{steps[0] if steps else ''}: {label}")
        for name in steps:
            route.visits[name] = route.visits.get(name, 0) + 1
            if route.visits[name] > self.max_visits:
                return self.finish(route, "loop", name.split(" ")[0],
                                   f"{name} came round more than {self.max_visits} times")
        if step == "publication":
            self.note_reached(workflow)
            if not route.choices and route.steps.count(steps[0]) == 1:  # the base route goes on, into the review
                children.append((self.snapshot(route), "", ("after publication",)))
            return self.finish(route, "published", steps[0], "the policy was published")
        return None

    def run(self, data: dict) -> DryRunReport:
        start = _Route(self.engine.new_workflow(self.bundle, data, self.now), [], [], {})
        queue: deque = deque()
        self.follow(start, queue)
        while queue and not self.out_of_bounds():
            route, label, apply = queue.popleft()
            children: list = []
            ended = self.advance(route, label, apply, children)
            if ended is None:
                key = self.signature(route.workflow, route.visits)
                if key in self.seen_states:
                    continue
                self.seen_states.add(key)
                self.follow(route, queue)
            elif ended:
                queue.extend(children)
        return DryRunReport(list(self.paths.values()), self.unreachable(), not self.stopped, self.explored)

    def unreachable(self) -> list[str]:
        if self.stopped:
            return []
        missing = []
        for name, text in self.bundle.files.items():
            if not name.endswith(".bpmn"):
                continue
            for process in parse_xml(name, text.encode()).iter("{*}process"):
                if process.get("id") != self.bundle.process_id:
                    continue
                graph = flow_graph(process)
                after_events = graph.reachable(graph.entries) - _without_events(graph)
                missing += [n for n in graph.nodes if n not in self.reached and n not in after_events
                            and graph.kind(n) != "boundaryEvent" and graph.nodes[n].get("triggeredByEvent") != "true"
                            and not _in_event_subprocess(graph, n)]
        return missing


def _without_events(graph) -> set[str]:
    """What the process reaches without an event: not through a boundary event (a deadline, a
    reminder) nor a wait for a message or signal from outside; what only those reach is not
    "unreachable", it waits for something the routes do not send."""
    seen, queue = set(graph.entries), deque(graph.entries)
    while queue:
        for following, _flow in graph.successors(queue.popleft()):
            node = graph.nodes[following]
            waits = graph.kind(following) == "boundaryEvent" or (
                graph.kind(following) == "intermediateCatchEvent"
                and any(next(node.iter(f"{{*}}{kind}"), None) is not None
                        for kind in ("messageEventDefinition", "signalEventDefinition")))
            if following not in seen and not waits:
                seen.add(following)
                queue.append(following)
    return seen


def _in_event_subprocess(graph, node_id: str) -> bool:
    holder = graph.holder(node_id)
    while holder is not None:
        if graph.nodes[holder].get("triggeredByEvent") == "true":
            return True
        holder = graph.holder(holder)
    return False


def _element_of(message: str) -> str | None:
    """The element an engine failure names ("… could not continue at X: …")."""
    if _ERROR_AT not in message:
        return None
    return message.split(_ERROR_AT, 1)[1].split(":", 1)[0].split(" ")[0].strip() or None


def explore(engine, bundle, data: dict, now: datetime, max_paths: int = 40, max_visits: int = 2,
            seconds: float = 5.0, max_decisions: int = 80) -> DryRunReport:
    """Explore the draft's routes from ``data`` (see the module docstring)."""
    explorer = _Explorer(engine, bundle, now, max_paths, max_visits, seconds, max_decisions)
    return explorer.run(data)
