"""Timer events of a running workflow, against the services' clock (used by the engine only).

SpiffWorkflow counts a duration from the wall clock and keeps a timer's due time
in the internal data of the task that waits: the timer event itself, or the
event-based gateway that waits for it among other events (the gateway then owns
the timer's data). The engine pins each newly reached timer from the caller's
clock, reads due times for the app (a policy's next timer, a task's deadline),
and fires the ones that are due.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

import SpiffWorkflow.bpmn.specs.event_definitions.timer as library_timers
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import DurationTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

_STEP_NOW: ContextVar[datetime | None] = ContextVar("step_now", default=None)


class _StepTime(datetime):
    """What the library's timer events call ``datetime``: its ``now()`` is the moment of
    the step being run. SpiffWorkflow checks whether a timer is due against the wall
    clock; a step run for another moment (the services' clock, ``timers run --as-of``,
    backdated demo history) must see that moment, or due times in the wall clock's past
    would fire on their own."""

    @classmethod
    def now(cls, tz=None):
        moment = _STEP_NOW.get()
        if moment is None:
            return datetime.now(tz)
        return moment.astimezone(tz) if tz is not None else moment


library_timers.datetime = _StepTime


@contextmanager
def step_time(now: datetime) -> Iterator[None]:
    token = _STEP_NOW.set(now)
    try:
        yield
    finally:
        _STEP_NOW.reset(token)


@dataclass(frozen=True)
class WaitingTimer:
    """A task waiting on a timer: ``element`` is the timer event's id (inside a gateway: the
    timer branch's), ``due`` its pinned due time (None until pinned or for cycles)."""

    task: object
    definition: TimerEventDefinition
    element: str
    due: datetime | None


def _timer_of(task) -> tuple[TimerEventDefinition, str] | None:
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, TimerEventDefinition):
        return definition, task.task_spec.bpmn_id
    if isinstance(definition, MultipleEventDefinition):
        for index, member in enumerate(definition.event_definitions):
            if isinstance(member, TimerEventDefinition):
                outputs = task.task_spec.outputs
                return member, (outputs[index].bpmn_id if index < len(outputs) else task.task_spec.bpmn_id)
    return None


def _due(task) -> datetime | None:
    value = task._get_internal_data("event_value")
    if isinstance(value, str) and not value.upper().startswith(("P", "R")):
        return TimerEventDefinition.get_datetime(value)
    return None


def waiting_timers(workflow: BpmnWorkflow) -> list[WaitingTimer]:
    """Every task of the workflow (and its subprocesses) waiting on a timer, with its due time (UTC)."""
    timers = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        found = _timer_of(task)
        if found is not None:
            timers.append(WaitingTimer(task, found[0], found[1], _due(task)))
    return timers


def pin_new_timers(workflow: BpmnWorkflow, known: set, now: datetime) -> None:
    """Fix each newly reached duration timer's due time from the caller's clock.

    The due time is saved with the workflow, visible to the app before any worker
    runs, and is the same whichever process or clock fires it later.
    """
    for timer in waiting_timers(workflow):
        if timer.task.id in known or not isinstance(timer.definition, DurationTimerEventDefinition):
            continue
        duration = TimerEventDefinition.parse_iso_duration(
            workflow.script_engine.evaluate(timer.task, timer.definition.expression))
        due = now + TimerEventDefinition.get_timedelta_from_start(duration, now)
        timer.task._set_internal_data(event_value=due.isoformat())


def timer_task_ids(workflow: BpmnWorkflow) -> set:
    return {timer.task.id for timer in waiting_timers(workflow)}


def fire_due(workflow: BpmnWorkflow, now: datetime) -> list[str]:
    """Mark every timer due by ``now`` as fired; the element ids that fired (run the workflow next)."""
    fired = []
    for timer in waiting_timers(workflow):
        if timer.due is not None and timer.due <= now:
            timer.task._set_internal_data(event_fired=True)
            fired.append(timer.element)
    return fired


def fire_all(workflow: BpmnWorkflow) -> list[str]:
    """Mark every waiting timer as fired, due or not (the dry run lets time pass)."""
    waiting = waiting_timers(workflow)
    for timer in waiting:
        timer.task._set_internal_data(event_fired=True)
    return [timer.element for timer in waiting]


def boundary_deadline(task) -> datetime | None:
    """The earliest pinned timer attached to ``task`` as a boundary event (its deadline), if any."""
    parent = task.parent
    if parent is None or not isinstance(parent.task_spec, BoundaryEventSplit):
        return None
    dues = [_due(sibling) for sibling in parent.children
            if sibling is not task and sibling.state == TaskState.WAITING and _timer_of(sibling) is not None]
    return min((due for due in dues if due is not None), default=None)


def due_in(duration: str, now: datetime) -> datetime:
    """``now`` plus an ISO 8601 duration such as P14D (months and years by the calendar)."""
    return now + TimerEventDefinition.get_timedelta_from_start(TimerEventDefinition.parse_iso_duration(duration), now)
