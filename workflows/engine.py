"""Start, load, complete and advance SpiffWorkflow workflows: the only place steps run.

Everything the library leaves to the caller is done here, once: the restricted
script engine is set after every deserialization, a task is completed only if it
is READY, form data is stored as a deep copy under the task's own key, and due
timers fire against an injectable clock.
"""
from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Callable
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import DurationTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from .errors import Conflict, NotFound, WorkflowFailure
from .scripting import UnsafeCode, restricted_script_engine
from .specs import ProcessBundle

MAX_ENGINE_STEPS = 500


def _failure(error: Exception) -> WorkflowFailure:
    task = getattr(error, "task", None)
    element = task.task_spec.bpmn_id if task is not None else None
    where = f" at {element}" if element else ""
    return WorkflowFailure(f"The process could not continue{where}: {str(error).splitlines()[0]}")


class WorkflowEngine:
    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)):
        self._clock = clock
        self._serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        self._script_engine = restricted_script_engine()

    def start(self, bundle: ProcessBundle, data: dict) -> BpmnWorkflow:
        """A new workflow whose start event sees ``data``, advanced to its first wait."""
        workflow = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=self._script_engine)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(copy.deepcopy(data))
        self._advance(workflow, set())
        return workflow

    def load(self, serialized: str) -> BpmnWorkflow:
        workflow = self._serializer.deserialize_json(serialized)
        # The serializer restores the library's unrestricted default engine.
        workflow.script_engine = self._script_engine
        return workflow

    def dump(self, workflow: BpmnWorkflow) -> str:
        return self._serializer.serialize_json(workflow)

    def complete(self, workflow: BpmnWorkflow, task_id: str, data_key: str, form_data: dict) -> None:
        """Complete one READY user task with validated form data and run to the next wait."""
        task = self.find_task(workflow, task_id)
        if task.state != TaskState.READY or not task.task_spec.manual:
            raise Conflict("This task is no longer waiting for an answer; it may have been completed already.")
        task.data[data_key] = copy.deepcopy(form_data)
        timers_before = _timer_ids(workflow)
        try:
            task.run()
        except (SpiffWorkflowException, UnsafeCode) as error:
            raise _failure(error) from None
        self._advance(workflow, timers_before)

    @staticmethod
    def find_task(workflow: BpmnWorkflow, task_id: str):
        try:
            return workflow.get_task_from_id(UUID(task_id))
        except (ValueError, KeyError, TypeError):
            raise NotFound(f"Task {task_id} does not exist in this policy") from None

    def fire_due_timers(self, workflow: BpmnWorkflow, now: datetime) -> list[str]:
        """Fire every waiting timer due at ``now``; return the element ids that fired."""
        fired = []
        for task, due in waiting_timers(workflow):
            if due is not None and due <= now:
                task._set_internal_data(event_fired=True)
                fired.append(task.task_spec.bpmn_id)
        if fired:
            timers_before = _timer_ids(workflow)
            workflow.refresh_timers()
            self._advance(workflow, timers_before)
        return fired

    def _advance(self, workflow: BpmnWorkflow, timers_before: set) -> None:
        """Run automatic steps to the next wait; ``timers_before``: timers already pinned."""
        steps = 0

        def count_step(task) -> None:
            # A diagram that loops through automatic tasks forever would hold a
            # request thread forever; no real lifecycle needs this many steps at once.
            nonlocal steps
            steps += 1
            if steps > MAX_ENGINE_STEPS:
                raise WorkflowFailure(f"The process ran more than {MAX_ENGINE_STEPS} automatic steps without "
                                      f"waiting for anyone (last: {task.task_spec.bpmn_id}); check the diagram for a loop.")

        try:
            workflow.do_engine_steps(will_complete_task=count_step)
            self._pin_new_timers(workflow, timers_before)
        except (SpiffWorkflowException, UnsafeCode) as error:
            raise _failure(error) from None

    def _pin_new_timers(self, workflow: BpmnWorkflow, known: set) -> None:
        """Fix each newly reached duration timer's due time from our clock.

        SpiffWorkflow counts a duration from the wall clock; the services' clock is
        the one the rest of the app (and its tests) use, so the due time is set from
        it and saved with the workflow, visible before any worker runs.
        """
        for task, _due in waiting_timers(workflow):
            definition = task.task_spec.event_definition
            if task.id in known or not isinstance(definition, DurationTimerEventDefinition):
                continue
            now = self._clock()
            duration = TimerEventDefinition.parse_iso_duration(workflow.script_engine.evaluate(task, definition.expression))
            task._set_internal_data(event_value=(now + TimerEventDefinition.get_timedelta_from_start(duration, now)).isoformat())


def _timer_ids(workflow: BpmnWorkflow) -> set:
    return {task.id for task, _due in waiting_timers(workflow)}


def waiting_timers(workflow: BpmnWorkflow) -> list[tuple[object, datetime | None]]:
    """The workflow's waiting timer events with their due times (UTC)."""
    timers = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, TimerEventDefinition):
            value = task._get_internal_data("event_value")
            due = TimerEventDefinition.get_datetime(value) if isinstance(value, str) and not value.upper().startswith(("P", "R")) else None
            timers.append((task, due))
    return timers
