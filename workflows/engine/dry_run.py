"""The dry run: a draft run along every route its gateways allow, in memory, inside the sandbox.

Nothing is stored. Answers come from the forms (``sample_answers``): a base answer
for every task, and variants that change one choice code can read. The search is
breadth-first by how many answers differ from the base: each route is first followed
with base answers to its end; each choice met on the way (a variant, or letting the
waiting timers fire instead of answering) starts a new route from that point, unless
it leads to a state already seen (the same waits and the same data as far as code can
read it). Routes share their common prefix: the state at a choice is saved once, and
each other choice there starts from a copy of it, not from the start event. The
workflow is compacted after every step, as a stored policy's is, so later steps do
not slow down as the route grows.

Every instance of a multi-instance task gets the same answer. A route ends when a
publication task completes ("published"), when nothing can move ("stuck", or the
process ended without publishing), when a step comes round more than the loop bound
("loop", with where it went back and after which answer), or at an error, located at
its element ("error": a gateway whose conditions all fail, a script that raises). The
search is bounded by counts only (routes, steps, and at most ``MAX_CHOICES`` unusual
answers on one route; never the clock), so the same files give the same routes in the
same order on an idle or a loaded machine; it says when it stopped at a bound, and
elements never reached are reported only when it did not. A step that uses more CPU
time than a policy's step may is an error at that element, as it would be for a
policy. In the review cycle after a publication, only answers not tried before are
tried: the rest would repeat the first cycle's routes. And an answer that, as a route's
first unusual answer, left the route's steps as they were (it changed only data: a risk
score, a review interval) is not tried again as a second: such combinations were nearly
all of the search's time, and ended as routes already found.
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from SpiffWorkflow.util.task import TaskState

from workflows.engine.code_reads import code_reads
from workflows.engine.codec import WorkflowCodec
from workflows.engine.compaction import compact
from workflows.engine.route_text import RouteText, unreachable_elements
from workflows.engine.sample_answers import variants
from workflows.engine.tasks import describe
from workflows.engine.timers import waiting_timers
from workflows.errors import InvalidInput, PolicyflowError, WorkflowFailure

_SEEN = TaskState.COMPLETED | TaskState.READY | TaskState.WAITING | TaskState.STARTED
MAX_PATHS = 80
MAX_STEPS = 1500  # steps over all routes together
MAX_VISITS = 2
MAX_DECISIONS = 80  # steps on one route
MAX_CHOICES = 2  # answers other than the usual ones on one route
STEP_SECONDS = 2.0  # CPU time one step of a policy may use (the sandbox's default limit)


@dataclass(frozen=True)
class DryRunPath:
    steps: list[str]
    outcome: str  # published | stuck | loop | error
    element: str | None
    message: str
    choices: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # the steps as the diagram names them
    explanation: str = ""  # how the route ended, in words (a loop: where it goes back, and why)


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
    # element -> (the step done just before the route came back to it, the answer given there)
    loop_reasons: dict[str, tuple[str, str]] = field(default_factory=dict)
    published: bool = False  # whether the route has published once (it goes on into the review)


@dataclass
class _Fork:
    """A route's state at a choice, saved once for all the choices taken from there."""

    state: str
    steps: list[str]
    choices: list[str]
    visits: dict[str, int]
    loop_reasons: dict[str, tuple[str, str]]
    published: bool


class _Explorer:
    def __init__(self, engine, bundle, now: datetime, max_paths: int, max_visits: int, max_steps: int,
                 max_decisions: int, max_choices: int, step_seconds: float):
        self.engine, self.bundle, self.now, self.step_seconds = engine, bundle, now, step_seconds
        self.max_paths, self.max_visits, self.max_choices = max_paths, max_visits, max_choices
        self.max_steps, self.max_decisions = max_steps, max_decisions
        self.codec = WorkflowCodec()
        self.text = RouteText(bundle.files, bundle.process_id)
        self.reads = code_reads(bundle.files)
        self.paths: dict[tuple, DryRunPath] = {}
        self.seen_states: set = set()
        self.reached: set[str] = set()
        self.stopped = False
        self.explored = 0
        self._answers: dict[str, list] = {}
        self.tried: set[tuple] = set()  # (element, answer) choices queued so far
        self.inert: set[tuple] = set()  # choices that, tried as a route's first, left its steps as they were

    def out_of_bounds(self) -> bool:
        if len(self.paths) >= self.max_paths or self.explored >= self.max_steps:
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
                raise WorkflowFailure(f"The process could not continue at {describe(task).element_id}: the dry run "
                                      f"could not fill in its form {form_name}: {error.message}",
                                      describe(task).element_id) from None
        return self._answers[form_name]

    def signature(self, workflow, visits: dict) -> tuple:
        waiting = workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
        ready = sorted((t.task_spec.name, t.state) for t in waiting)
        data = {}
        for task in waiting:
            data.update(task.data)
        return tuple(ready), tuple(sorted(visits.items())), self.reads.project(data)

    def finish(self, route: _Route, outcome: str, element: str | None, message: str, explanation: str = "") -> bool:
        """Record how ``route`` ended; whether it was a route not seen before."""
        key = (tuple(route.steps), outcome, element)
        if key in self.paths:
            return False
        self.paths[key] = DryRunPath(list(route.steps), outcome, element, message, list(route.choices),
                                     [self.text.name(step) for step in route.steps],
                                     explanation or self.text.ending(outcome, element, message))
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
            self.queue_children(queue, route, children)

    @staticmethod
    def queue_children(queue: deque, route: _Route, children: list) -> None:
        """Queue the choices met on ``route``, each with the steps the route ended with (what a choice
        that changes nothing ends with too), not the route itself and its whole workflow."""
        ended_as = tuple(route.steps)
        queue.extend((fork, label, apply, ended_as) for fork, label, apply in children)

    def step(self, route: _Route, children: list) -> bool | None:
        workflow = route.workflow
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        timers = waiting_timers(workflow)
        last = route.steps[-1] if route.steps else None
        if workflow.is_completed():
            return self.finish(route, "stuck", last, "the process ended without publishing")
        if not ready and not timers:
            return self.finish(route, "stuck", last, "nothing can move on: no task is ready and no timer is waiting")
        if len(route.steps) >= self.max_decisions:
            return self.finish(route, "loop", last, f"the route passed {self.max_decisions} steps")
        options = self.options(ready, timers)
        if len(route.choices) >= self.max_choices:  # as many unusual answers as a route may have
            options = options[:1]
        elif route.published:  # in the review cycle, only answers not tried anywhere yet
            options = options[:1] + [option for option in options[1:] if self.choice_key(option) not in self.tried]
        self.tried.update(self.choice_key(option) for option in options[1:])
        if len(options) > 1:
            fork = self.fork(route)
            children.extend((fork, label, apply) for label, apply in options[1:])
        label, apply = options[0]
        return self.advance(route, label, apply, children)

    @staticmethod
    def choice_key(option) -> tuple:
        label, apply = option
        return (apply[1] if apply[0] == "answer" else apply[0]), label

    def fork(self, route: _Route) -> _Fork:
        return _Fork(self.codec.dump(route.workflow), list(route.steps), list(route.choices), dict(route.visits),
                     dict(route.loop_reasons), route.published)

    def resume(self, fork: _Fork) -> _Route:
        return _Route(self.engine.load(self.bundle, fork.state), list(fork.steps), list(fork.choices),
                      dict(fork.visits), dict(fork.loop_reasons), fork.published)

    def options(self, ready: list, timers: list) -> list[tuple[str, object]]:
        found = []
        if ready:
            first = ready[0]
            group = [t.id for t in ready if t.task_spec is first.task_spec]
            for label, answers in self.choices_for(first):
                found.append((label, ("answer", first.task_spec.bpmn_id, group, answers)))
        if timers:
            found.append(("time passes", ("timers",)))
        return found

    def advance(self, route: _Route, label: str, apply, children: list) -> bool | None:
        """Apply one choice to the route's workflow: None while it goes on, else whether it ended a new way."""
        self.explored += 1
        workflow = route.workflow
        began = time.process_time()
        try:
            if apply[0] == "answer":
                _kind, element, ids, answers = apply
                tasks = [t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if t.id in ids]
                step = describe(tasks[0]).lifecycle_step
                for task in tasks:
                    self.engine.run_task(self.bundle, workflow, task, answers, self.now)
                steps = [element]
            elif apply[0] == "timers":
                fired = self.engine.fire_timers(self.bundle, workflow, self.now, due_only=False)
                steps = [f"{element} (timer)" for element in dict.fromkeys(fired)]  # one per element, not instance
                step = None
            else:  # carry on after a publication
                return None
        except PolicyflowError as error:
            self.note_reached(workflow)
            route.steps.append(apply[1] if apply[0] == "answer" else "time passes")
            element = getattr(error, "element", None) or (apply[1] if apply[0] == "answer" else None)
            return self.finish(route, "error", element, error.message)
        self.note_reached(workflow)
        if time.process_time() - began > self.step_seconds:  # what the sandbox stops a policy's step at
            route.steps.append(apply[1] if apply[0] == "answer" else "time passes")
            element = apply[1] if apply[0] == "answer" else (steps[0].split(" ")[0] if steps else None)
            return self.finish(route, "error", element, f"The step after {element or 'the timers'} ran longer than "
                                                        f"{self.step_seconds:g} s of CPU time, the limit of one step")
        compact(workflow)
        route.steps.extend(steps)
        if label:
            route.choices.append(f"{steps[0] if steps else ''}: {label}")
        for name in steps:
            route.visits[name] = route.visits.get(name, 0) + 1
            if route.visits[name] > self.max_visits:
                element = name.split(" ")[0]
                return self.finish(route, "loop", element, f"{name} came round more than {self.max_visits} times",
                                   self.text.loop(element, route.loop_reasons.get(element)))
        if steps:
            self.note_loop_reasons(route, steps[0], label)
        if step == "publication":
            if not route.choices and route.steps.count(steps[0]) == 1:  # the base route goes on, into the review
                route.published = True
                children.append((self.fork(route), "", ("after publication",)))
            return self.finish(route, "published", steps[0], "the policy was published")
        return None

    @staticmethod
    def note_loop_reasons(route: _Route, done: str, label: str) -> None:
        """What would send the route back to each step it has passed: the step just done, with its answer."""
        for element in route.visits:
            if element != done:
                route.loop_reasons[element.split(" ")[0]] = (done.split(" ")[0], label)

    def run(self, data: dict) -> DryRunReport:
        return self.run_from(self.engine.new_workflow(self.bundle, data, self.now))

    def run_from(self, workflow) -> DryRunReport:
        start = _Route(workflow, [], [], {})
        self.note_reached(start.workflow)
        compact(start.workflow)
        queue: deque = deque()
        self.follow(start, queue)
        while queue and not self.out_of_bounds():
            fork, label, apply, parent_steps = queue.popleft()
            choice = self.choice_key((label, apply))
            if fork.choices and choice in self.inert:  # it changed nothing as a first choice: not as a second
                continue
            route = self.resume(fork)
            children: list = []
            ended = self.advance(route, label, apply, children)
            if ended is None:
                key = self.signature(route.workflow, route.visits)
                if key in self.seen_states:
                    continue
                self.seen_states.add(key)
                self.follow(route, queue)
            elif ended:
                self.queue_children(queue, route, children)
            if not fork.choices and label and tuple(route.steps) == parent_steps:
                self.inert.add(choice)
        unreachable = [] if self.stopped else unreachable_elements(self.bundle.files, self.bundle.process_id,
                                                                   self.reached)
        return DryRunReport(list(self.paths.values()), unreachable, not self.stopped, self.explored)


def route_ahead(engine, bundle, workflow, now: datetime) -> DryRunPath:
    """The route a running workflow (left unchanged) takes from where it is, with the usual answers."""
    explorer = _Explorer(engine, bundle, now, 1, MAX_VISITS, MAX_DECISIONS, MAX_DECISIONS, 0, STEP_SECONDS)
    return explorer.run_from(engine.copy_workflow(bundle, workflow)).paths[0]


def explore(engine, bundle, data: dict, now: datetime, max_paths: int = MAX_PATHS, max_visits: int = MAX_VISITS,
            max_steps: int = MAX_STEPS, max_decisions: int = MAX_DECISIONS, max_choices: int = MAX_CHOICES,
            step_seconds: float = STEP_SECONDS) -> DryRunReport:
    """Explore the draft's routes from ``data`` (see the module docstring)."""
    explorer = _Explorer(engine, bundle, now, max_paths, max_visits, max_steps, max_decisions, max_choices,
                         step_seconds)
    return explorer.run(data)
