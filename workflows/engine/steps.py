"""Start, complete and advance SpiffWorkflow workflows: the only place steps run.

Each step is a pure function of (process version, stored state, input, moment):
it loads the state, runs to the next wait, checks what the diagram stored, and
returns the new state with everything the rest of the app reads (ready tasks,
current data, timers), so nothing outside this module touches SpiffWorkflow. The
sandbox runs these steps in worker processes under operating-system limits.

Everything the library leaves to the caller is done here, once: the restricted
script engine is set after every load, a task is completed only if it is READY,
form data is stored as a deep copy under the task's own key, due timers fire
against the caller's clock (timers.py), messages and signals from the app reach
what waits for them and interrupting event subprocesses interrupt (events.py),
each new task gets its due date, and finished history is compacted away.
"""
from __future__ import annotations

import copy
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Callable
from uuid import UUID

from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, TaskNotFoundException, WorkflowException
from SpiffWorkflow.spiff.specs.defaults import BusinessRuleTask
from SpiffWorkflow.util.task import TaskState

from workflows.engine import events, timers
from workflows.engine.code_labels import code_labels, label_for
from workflows.engine.codec import WorkflowCodec
from workflows.engine.compaction import compact
from workflows.engine.dry_run import explore
from workflows.engine.instructions import render_instructions
from workflows.engine.specs import ProcessBundle, bundle_from_files
from workflows.engine.state_migration import check_reads, check_route_ahead, migrated, renamed_data
from workflows.engine.storable import UnstorableData, json_size, largest_variable, size_text, to_json
from workflows.engine.tasks import (
    DUE_IN_PROPERTY,
    ReadyTask,
    current_data,
    describe,
    ready_human_tasks,
    task_properties,
)
from workflows.errors import Conflict, NotFound, WorkflowFailure
from workflows.scripting import RestrictedEnvironment, RestrictedScriptEngine, UnsafeCode

MAX_ENGINE_STEPS = 500
STATE_TO_DATA_RATIO = 4
MAX_USERNAME = 80
#: The publication task's property giving how long before the review date the review opens (ISO 8601),
#: handed to its post-script as ``review_lead_time``.
REVIEW_LEAD_PROPERTY = "reviewLeadTime"
REVIEW_LEAD_VARIABLE = "review_lead_time"
DEFAULT_REVIEW_LEAD = "P3M"
_CODE_TASKS = ("ScriptTask", "BusinessRuleTask")


@dataclass(frozen=True)
class EngineLimits:
    """What one step may make: instances of a multi-instance activity, and stored data."""

    max_instances: int = 500
    max_data_bytes: int = 1_000_000


@dataclass(frozen=True)
class StepResult:
    """A workflow after a step: its state to store and what the app reads from it."""

    state: str
    data: dict
    ready: list[ReadyTask]
    timers: list[tuple[str, datetime]]
    completed: bool
    fired: list[str] = field(default_factory=list)

    @property
    def next_timer(self) -> datetime | None:
        return min((due for _element, due in self.timers), default=None)


class _ScriptEngine(RestrictedScriptEngine):
    """The restricted script engine, reporting which diagram code runs before it runs it.

    The report outlives the worker process if the operating system stops it, so the
    person is told "the condition on flow X ran too long", not just "too long".
    """

    def __init__(self, labels: dict, on_code: Callable[[str, str | None], None], max_instances: int):
        super().__init__(environment=_ENVIRONMENT)
        self._labels, self._on_code, self.max_instances = labels, on_code, max_instances

    def _report(self, task, code: str) -> None:
        spec = task.task_spec
        self._on_code(*label_for(self._labels, spec.bpmn_id or spec.name, code, isinstance(spec, BusinessRuleTask)))

    def evaluate(self, task, expression, external_context=None):
        self._report(task, expression)
        return super().evaluate(task, expression, external_context)

    def execute(self, task, script, external_context=None):
        self._report(task, script)
        return super().execute(task, script, external_context)


_ENVIRONMENT = RestrictedEnvironment()


def _failure(error: Exception, element: str | None = None, after: str | None = None) -> WorkflowFailure:
    """The engine's error as a WorkflowFailure located at the element whose code failed: the one the
    error names, else ``element``; else, if the error names none, the one the step started ``after``."""
    task, spec = getattr(error, "task", None), getattr(error, "task_spec", None)
    element = task.task_spec.bpmn_id if task is not None else (getattr(spec, "bpmn_id", None) or element)
    where = f" at {element}" if element else (f" after {after}" if after else "")
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    if message.startswith("No conditions satisfied"):
        message = "no condition on the gateway's outgoing flows holds, and it has no default flow"
    return WorkflowFailure(f"The process could not continue{where}: {message}", element or after)


class WorkflowEngine:
    def __init__(self, limits: EngineLimits = EngineLimits(),
                 on_code: Callable[[str, str | None], None] = lambda label, element: None):
        self._limits, self._on_code = limits, on_code
        self._codec = WorkflowCodec()
        self._labels: dict[str, dict] = {}
        self._events: dict[str, tuple[dict, frozenset]] = {}

    def start(self, bundle: ProcessBundle, data: dict, now: datetime) -> StepResult:
        """A new workflow whose start event sees ``data``, advanced to its first wait."""
        with self._step(bundle, now):
            return self._start(bundle, data, now)

    def complete(self, bundle: ProcessBundle, state: str, task_id: str, answers: dict, now: datetime,
                 facts: dict | None = None) -> StepResult:
        """Complete one READY user task with validated answers and run to the next wait.

        ``facts`` (such as the department's current staff) are brought up to date in
        the data the workflow carries on with."""
        with self._step(bundle, now):
            return self._complete(bundle, state, task_id, answers, now, facts)

    def fire_due_timers(self, bundle: ProcessBundle, state: str, now: datetime) -> StepResult:
        """Fire every waiting timer due at ``now``; the result lists the element ids that fired."""
        with self._step(bundle, now):
            return self._fire_due_timers(bundle, state, now)

    def send_event(self, bundle: ProcessBundle, state: str, name: str, payload, now: datetime) -> StepResult:
        """Deliver the message or signal ``name`` (with ``payload``) to whatever in the workflow
        waits for it, and run to the next wait; Conflict if nothing waits for it now."""
        with self._step(bundle, now):
            return self._send_event(bundle, state, name, payload, now)

    def dry_run(self, bundle: ProcessBundle, data: dict, now: datetime, bounds: dict):
        """Run a draft along every route its forms' choices allow, up to ``bounds`` (nothing is stored)."""
        with self._step(bundle, now):
            return explore(self, bundle, data, now, **bounds)

    def migrate(self, bundle: ProcessBundle, state: str, from_files: dict, now: datetime,
                rename: dict | None = None) -> StepResult:
        """Move a stored workflow of the version ``from_files`` onto ``bundle``'s version, its data keys
        renamed by ``rename``; Conflict when it could not go on there (engine/state_migration.py)."""
        old = bundle_from_files(from_files)
        with self._step(bundle, now), self._step(old, now):
            workflow = self.load(old, state)
            before = {t.id for t in ready_human_tasks(workflow)}
            renamed_data(workflow, rename or {})
            migrated(workflow, bundle)
            check_reads(workflow, bundle, old.files)
            workflow.script_engine = self._script_engine(bundle)
            self._advance(bundle, workflow, now, timers.timer_task_ids(workflow), self._interrupted(bundle, workflow),
                          "the steps after moving to the new version", None)
            check_route_ahead(self, bundle, workflow, now)
            return self._result(workflow, before, now, introduce_all=True)

    @contextmanager
    def _step(self, bundle: ProcessBundle, now: datetime):
        """One step at ``now``: the library's timers read that moment, not the wall clock, and
        the version's parsed spec, which every workflow of it shares, is left as parsed."""
        try:
            with timers.step_time(now):
                yield
        finally:
            events.forget_triggers(bundle)

    def _start(self, bundle: ProcessBundle, data: dict, now: datetime) -> StepResult:
        return self._result(self.new_workflow(bundle, data, now), before=set(), now=now)

    def _complete(self, bundle: ProcessBundle, state: str, task_id: str, answers: dict, now: datetime,
                  facts: dict | None) -> StepResult:
        workflow = self.load(bundle, state)
        task = _find_task(workflow, task_id)
        if task.state != TaskState.READY or not task.task_spec.manual:
            raise Conflict("This task is no longer waiting for an answer; it may have been completed already.")
        before = {t.id for t in ready_human_tasks(workflow)}
        self.run_task(bundle, workflow, task, answers, now, facts)
        return self._result(workflow, before, now)

    def _fire_due_timers(self, bundle: ProcessBundle, state: str, now: datetime) -> StepResult:
        workflow = self.load(bundle, state)
        before = {t.id for t in ready_human_tasks(workflow)}
        fired = self.fire_timers(bundle, workflow, now, due_only=True)
        return replace(self._result(workflow, before, now), fired=fired)

    # The pieces of a step, also used by the dry run (which keeps workflows in memory).

    def new_workflow(self, bundle: ProcessBundle, data: dict, now: datetime) -> BpmnWorkflow:
        workflow = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=self._script_engine(bundle))
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(copy.deepcopy(data))
        self._advance(bundle, workflow, now, set(), set(), "starting the process", None)
        return workflow

    def run_task(self, bundle: ProcessBundle, workflow: BpmnWorkflow, task, answers: dict, now: datetime,
                 facts: dict | None = None) -> None:
        """Complete a READY user task with ``answers`` (a deep copy is stored) and run to the next wait."""
        known = self._interrupted(bundle, workflow)
        task.data.update(copy.deepcopy(facts or {}))
        described = describe(task)
        task.data[described.data_key] = copy.deepcopy(answers)
        if described.lifecycle_step == "publication":  # its post-script counts the review's opening back from its date
            task.data[REVIEW_LEAD_VARIABLE] = task_properties(task).get(REVIEW_LEAD_PROPERTY) or DEFAULT_REVIEW_LEAD
        timers_before = timers.timer_task_ids(workflow)
        self._on_code(f"completing {task.task_spec.bpmn_id}", task.task_spec.bpmn_id)
        try:
            task.run()
        except (SpiffWorkflowException, UnsafeCode) as error:
            raise _failure(error, task.task_spec.bpmn_id) from None
        self._advance(bundle, workflow, now, timers_before, known, f"the steps after {task.task_spec.bpmn_id}",
                      task.task_spec.bpmn_id)

    def fire_timers(self, bundle: ProcessBundle, workflow: BpmnWorkflow, now: datetime, due_only: bool) -> list[str]:
        """Fire the waiting timers (only those due at ``now`` if ``due_only``); the element ids that fired."""
        known, timers_before = self._interrupted(bundle, workflow), timers.timer_task_ids(workflow)
        fired = timers.fire_due(workflow, now) if due_only else timers.fire_all(workflow)
        if fired:
            workflow.refresh_timers()
            self._advance(bundle, workflow, now, timers_before, known, f"the steps after {', '.join(fired)}", fired[0])
        return fired

    def copy_workflow(self, bundle: ProcessBundle, workflow: BpmnWorkflow) -> BpmnWorkflow:
        return self.load(bundle, self._codec.dump(workflow))

    def _send_event(self, bundle: ProcessBundle, state: str, name: str, payload, now: datetime) -> StepResult:
        definition = self._catchable(bundle).get(name)
        if definition is None:
            raise Conflict(f"This policy's process does not handle '{name}'.")
        workflow = self.load(bundle, state)
        before, known = {t.id for t in ready_human_tasks(workflow)}, self._interrupted(bundle, workflow)
        timers_before = timers.timer_task_ids(workflow)
        self._on_code(f"receiving {name}", None)
        try:
            workflow.send_event(BpmnEvent(definition, payload=copy.deepcopy(payload)))
        except WorkflowException:
            raise Conflict(f"This policy is not waiting for '{name}' at this stage; nothing was changed.") from None
        except (SpiffWorkflowException, UnsafeCode) as error:
            raise _failure(error) from None
        self._advance(bundle, workflow, now, timers_before, known, f"the steps after {name}", None)
        return self._result(workflow, before, now)

    def load(self, bundle: ProcessBundle, state: str) -> BpmnWorkflow:
        workflow = self._codec.load(state, bundle)
        # The serializer restores the library's unrestricted default engine.
        workflow.script_engine = self._script_engine(bundle)
        events.recall_triggers(bundle, workflow)
        return workflow

    def _script_engine(self, bundle: ProcessBundle) -> _ScriptEngine:
        if bundle.content_hash not in self._labels:
            self._labels[bundle.content_hash] = code_labels(bundle.files)
        return _ScriptEngine(self._labels[bundle.content_hash], self._on_code, self._limits.max_instances)

    def _interrupted(self, bundle: ProcessBundle, workflow: BpmnWorkflow) -> set:
        return events.interrupted_so_far(workflow, self._event_info(bundle)[1])

    def _catchable(self, bundle: ProcessBundle) -> dict:
        return self._event_info(bundle)[0]

    def _event_info(self, bundle: ProcessBundle) -> tuple[dict, frozenset]:
        if bundle.content_hash not in self._events:
            self._events[bundle.content_hash] = (events.catchable_events(bundle),
                                                 events.interrupting_event_subprocesses(bundle.files))
        return self._events[bundle.content_hash]

    def _advance(self, bundle: ProcessBundle, workflow: BpmnWorkflow, now: datetime, timers_before: set,
                 known_subprocesses: set, what: str, element: str | None) -> None:
        """Run automatic steps to the next wait; ``timers_before``: timers already pinned;
        ``known_subprocesses``: interrupting event subprocesses already started before this step;
        ``what`` and ``element``: what runs, in words, and the element that started it."""
        steps = 0

        def count_step(task) -> None:
            # A diagram that loops through automatic tasks forever would hold a
            # worker forever; no real lifecycle needs this many steps at once.
            nonlocal steps
            steps += 1
            if steps > MAX_ENGINE_STEPS:
                raise WorkflowFailure(f"The process ran more than {MAX_ENGINE_STEPS} automatic steps without "
                                      f"waiting for anyone (last: {task.task_spec.bpmn_id}); check the diagram for a loop.",
                                      task.task_spec.bpmn_id)

        self._on_code(what, element)
        interrupting = self._event_info(bundle)[1]
        try:
            workflow.do_engine_steps(will_complete_task=count_step, did_complete_task=_check_code_output)
            while events.apply_interruptions(workflow, known_subprocesses, interrupting):
                known_subprocesses = events.interrupted_so_far(workflow, interrupting)
                workflow.do_engine_steps(will_complete_task=count_step, did_complete_task=_check_code_output)
            timers.pin_new_timers(workflow, timers_before, now)
        except (SpiffWorkflowException, UnsafeCode) as error:
            raise _failure(error, after=element) from None

    def _result(self, workflow: BpmnWorkflow, before: set, now: datetime, introduce_all: bool = False) -> StepResult:
        """Compact, check what is stored, and describe the workflow for the app."""
        # Thrown signals are also queued for listeners outside the workflow; policyflow has none,
        # and kept they would pile up with every review cycle.
        workflow.get_events()
        compact(workflow)
        try:
            data = to_json(current_data(workflow))
            self._check_size(data)
            ready = []
            for task in workflow.get_tasks(state=TaskState.READY, manual=True):
                described = describe(task)
                if described.assignee is not None and len(described.assignee) > MAX_USERNAME:
                    raise UnstorableData(f"the task {described.element_id} is for '{described.assignee[:40]}…', "
                                         "which is not a username")
                if described.id not in before or introduce_all:
                    described = self._introduce(task, described, data, now)
                ready.append(described)
            state = self._codec.dump(workflow)
            self._check_state(state)
        except (UnstorableData, TypeError, ValueError) as error:
            _check_pre_script_output(workflow)  # a task's pre-script stored it: say which task
            raise WorkflowFailure(f"The process could not continue: {error}; nothing was saved.") from None
        waiting = [(timer.element, timer.due) for timer in timers.waiting_timers(workflow) if timer.due is not None]
        return StepResult(state, data, ready, waiting, workflow.is_completed())

    def _introduce(self, task, described: ReadyTask, data: dict, now: datetime) -> ReadyTask:
        """A newly ready task with its instructions rendered, its form's starting answers and its due date.

        A form starts empty unless the diagram names, in the task's ``formStartsFrom``
        property, the variable whose current value it starts from (a revision starts
        from the draft; a sign-off, never from the previous round's decision).
        """
        context = {**data, **to_json(task.data)}
        template = task.task_spec.extensions.get("instructionsForEndUser") or ""
        self._on_code(f"the instructions of {described.element_id}", described.element_id)
        instructions = render_instructions(template, context) if template else ""
        source = task_properties(task).get("formStartsFrom")
        prefill = context.get(source) if source else None
        return replace(described, instructions=instructions,
                       values=copy.deepcopy(prefill) if isinstance(prefill, dict) else {}, due_at=_due_at(task, now))

    def _check_state(self, state: str) -> None:
        # Task data of finished steps is kept (until compacted) beside the current data.
        limit = STATE_TO_DATA_RATIO * self._limits.max_data_bytes
        if len(state) > limit:
            raise UnstorableData(f"the policy's stored workflow would be larger than {size_text(limit)}")

    def _check_size(self, data: dict) -> None:
        limit = self._limits.max_data_bytes
        if json_size(data) > limit:
            name, size = largest_variable(data)
            raise UnstorableData(f"the policy's data would be larger than {size_text(limit)} "
                                 f"(the variable '{name}' alone is {size_text(size)})")


def _check_code_output(task) -> None:
    """After a script or decision ran, refuse what it stored if it cannot be saved."""
    spec = task.task_spec
    if type(spec).__name__ in _CODE_TASKS or getattr(spec, "extensions", {}).get("postScript"):
        _storable_or_refused(task)


def _check_pre_script_output(workflow: BpmnWorkflow) -> None:
    """A pre-script runs as its task becomes ready, not when it completes, so nothing checks its output
    straight after it runs: when the step's data cannot be saved, the ready tasks' pre-scripts are
    looked at, so the refusal names the task, as for any other code."""
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        if getattr(task.task_spec, "extensions", {}).get("preScript"):
            _storable_or_refused(task)


def _storable_or_refused(task) -> None:
    try:
        to_json(task.data)
    except UnstorableData as error:
        raise WorkflowFailure(f"The process could not continue at {task.task_spec.bpmn_id}: {error}.",
                              task.task_spec.bpmn_id) from None


def _find_task(workflow: BpmnWorkflow, task_id: str):
    # Not found: another policy's task, or one answered long ago (compaction drops finished tasks).
    try:
        return workflow.get_task_from_id(UUID(task_id))
    except (ValueError, KeyError, TypeError, TaskNotFoundException):
        raise NotFound(f"Task {task_id} does not exist in this policy") from None


def _due_at(task, now: datetime) -> datetime | None:
    """When a task should be done: ``dueIn`` (an ISO 8601 duration) from now, else its
    earliest boundary timer (such as a consultation deadline)."""
    duration = task_properties(task).get(DUE_IN_PROPERTY)
    if duration:
        try:
            return timers.due_in(duration, now)
        except (ValueError, TypeError, OverflowError):
            return None  # deploy refuses a malformed or too long dueIn; a stored old version just has no due date
    return timers.boundary_deadline(task)
