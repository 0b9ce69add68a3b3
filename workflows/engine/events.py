"""Messages and signals sent into a running workflow, and interrupting event subprocesses.

The app tells a policy's workflow what happened outside it (an incident was
reported, the manager closed the consultation, the policy was suspended) by
sending the message or signal the diagram catches, by name. SpiffWorkflow 3.2
starts every event subprocess as if it were non-interrupting; BPMN says an event
subprocess whose start event is interrupting (the default) cancels the rest of
its process, so the engine does that part here.
"""
from __future__ import annotations

from SpiffWorkflow.bpmn.specs.event_definitions import MessageEventDefinition, SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from workflows.engine.specs import ProcessBundle, parse_xml

SENDABLE = (MessageEventDefinition, SignalEventDefinition)


def _definitions_of(task_spec):
    definition = getattr(task_spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        return list(definition.event_definitions)
    return [definition] if definition is not None else []


def catchable_events(bundle: ProcessBundle) -> dict:
    """Name → definition of every message and signal some element of the bundle catches or throws."""
    found = {}
    for process in (bundle.spec, *bundle.subprocess_specs.values()):
        for task_spec in process.task_specs.values():
            for definition in _definitions_of(task_spec):
                if isinstance(definition, SENDABLE) and definition.name:
                    found.setdefault(definition.name, definition)
    return found


def interrupting_event_subprocesses(files: dict[str, str]) -> frozenset[str]:
    """Ids of the event subprocesses whose start event interrupts (``isInterrupting`` is not false)."""
    found = set()
    for name, text in files.items():
        if not name.endswith(".bpmn"):
            continue
        root = parse_xml(name, text.encode())
        for subprocess in root.iter("{*}subProcess"):
            if subprocess.get("triggeredByEvent") != "true":
                continue
            starts = [child for child in subprocess if getattr(child, "tag", "").endswith("}startEvent")]
            if any(start.get("isInterrupting", "true") != "false" for start in starts):
                found.add(subprocess.get("id"))
    return frozenset(found)


def _ancestors(task) -> set:
    ids = set()
    while task is not None:
        ids.add(task.id)
        task = task.parent
    return ids


def _started(subprocess) -> bool:
    """Whether the event subprocess's start event has caught its event (it waits until then)."""
    return any(isinstance(task.task_spec, StartEvent) and task.state == TaskState.COMPLETED
               for task in subprocess.tasks.values())


def interrupted_so_far(workflow: BpmnWorkflow, interrupting: frozenset[str]) -> set:
    """Ids of the interrupting event subprocesses whose event has already arrived."""
    return {task_id for task_id, subprocess in workflow.subprocesses.items()
            if subprocess.spec.name in interrupting and _started(subprocess)}


def apply_interruptions(workflow: BpmnWorkflow, already: set, interrupting: frozenset[str]) -> bool:
    """Cancel everything else in the process of each interrupting event subprocess whose event
    arrived since ``already`` (see ``interrupted_so_far``); True if anything was cancelled."""
    cancelled = False
    for task_id in interrupted_so_far(workflow, interrupting) - already:
        trigger = workflow.get_task_from_id(task_id)
        keep = _ancestors(trigger)
        for task in list(trigger.workflow.tasks.values()):
            if task.id not in keep and task.has_state(TaskState.NOT_FINISHED_MASK):
                task.cancel()
                cancelled = True
    return cancelled


def _triggered(bundle: ProcessBundle):
    for process in (bundle.spec, *bundle.subprocess_specs.values()):
        for name in getattr(process.start, "trigger_specs", []):
            if process.task_specs.get(name) is not None:
                yield process, name


def recall_triggers(bundle: ProcessBundle, workflow: BpmnWorkflow) -> None:
    """Connect, for this workflow's step, the event subprocesses it has started (as SpiffWorkflow
    did when their events arrived), so its tasks find the spec they were made from."""
    present = {task.task_spec.name for task in workflow.get_tasks()}
    for process, name in _triggered(bundle):
        if name in present and name not in process.start._outputs:
            process.start.connect(process.task_specs[name])
            process.task_specs[name].connect(process.end)


def forget_triggers(bundle: ProcessBundle) -> None:
    """Undo what SpiffWorkflow changed in the shared parsed spec when an event started an event subprocess.

    It connects the event subprocess to its process's start the first time the
    event arrives, in the parsed spec; here a version's spec is parsed once and
    shared by every workflow, so the change would leak into workflows started later
    in the same process (each would carry every such subprocess, waiting, from its
    start) and not in others. A workflow that has such a subprocess keeps it in its own
    state, and ``recall_triggers`` connects it again for that workflow's next step.
    """
    for process, name in _triggered(bundle):
        start, end, event_subprocess = process.start, process.end, process.task_specs[name]
        if name in start._outputs:
            # The spec's inputs and outputs are lists of names behind properties.
            start._outputs.remove(name)
            event_subprocess._inputs.remove(start.name)
            if end.name in event_subprocess._outputs:
                event_subprocess._outputs.remove(end.name)
                end._inputs.remove(name)
