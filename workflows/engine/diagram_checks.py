"""Modelling checks run on a diagram's XML before the engine sees it.

The engine finds many mistakes only at run time (a broken gateway condition, a
flow to a missing element, a task nobody can act on). These checks find them
at deploy time and point at the element and line, so a process designer can
fix the diagram instead of a reviewer meeting a stuck policy.
"""
from __future__ import annotations

import re
from pathlib import PureWindowsPath

from lxml import etree

from workflows.errors import DiagramProblem
from workflows.scripting import UnsafeCode, compile_expression, compile_script, timer_limits
from workflows.scripting.durations import is_calendar_duration

LANE_ROLES = ("manager", "staff", "patient_liaison", "employer", "insurer", "equality_lead", "information_governance",
              "committee")
LIFECYCLE_STEPS = ("risk_assessment", "staff_consultation", "patient_consultation", "equality_impact",
                   "risk_reassessment", "revision", "information_governance", "employer_signoff", "insurer_signoff",
                   "ratification", "publication", "review", "acknowledgement", "incident_review")
FORM_PROPERTY = "formJsonSchemaFilename"
MAX_TASK_TEXT = 200  # what the task index stores of a user task's id, name and data key
MAX_FORM_NAME = 200  # the task index stores it in a column of this size
#: What a task page may show beside its form, named in the task's ``reviewContext`` property.
CONTEXT_PARTS = ("draft", "changes", "risk_assessment", "consultation", "warning_signs", "revision_notes",
                 "signoffs", "governance", "incidents", "preference_changes", "published")
_VARIABLE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
DUE_IN_PROPERTY = "dueIn"
_ISO_DURATION = re.compile(r"P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?")
_DURATION_GROUPS = (("years", 1), ("months", 2), ("weeks", 3), ("days", 4), ("hours", 6), ("minutes", 7),
                    ("seconds", 8))

_EXPRESSIONS = ("conditionExpression", "timeDuration", "timeDate", "timeCycle", "completionCondition",
                "loopCardinality", "inputExpression", "outputEntry", "messagePayload")
_SCRIPTS = ("script", "preScript", "postScript")
_DMN_QUESTION_MARK = re.compile(r"""(\?)(?=(?:[^'"]|['"][^'"]*['"])*$)""")


def _local(node) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _owner_id(node) -> str | None:
    while node is not None:
        if node.get("id"):
            return node.get("id")
        node = node.getparent()
    return None


def properties(node) -> dict[str, str]:
    """The spiffworkflow:property name/value pairs of a flow node."""
    return {prop.get("name"): prop.get("value") for prop in node.iter("{*}property") if prop.get("name")}


def plain_file_name(name: str) -> bool:
    """A form is named by a file name alone: no folder, no '..', no drive or absolute path.

    Deploy reads the named file from the diagram's forms/ folder, so anything else
    would let a diagram read files from elsewhere on the server.
    """
    return (0 < len(name) <= MAX_FORM_NAME and ".." not in name and name == name.strip()
            and not any(mark in name for mark in "/\\:\0") and not PureWindowsPath(name).drive)


def _text(node) -> str:
    """An element's code: DMN keeps it in a <text> child, BPMN in the element itself."""
    if _local(node) in ("inputExpression", "outputEntry", "inputEntry"):
        child = next(node.iter("{*}text"), None)
        return (child.text or "") if child is not None else ""
    return node.text or ""


def _compile_dmn_cell(cell: str) -> None:
    """Compile a DMN input cell the way SpiffWorkflow's DMN engine will evaluate it."""
    if not cell.strip() or cell.strip() == "-":
        return
    if _DMN_QUESTION_MARK.search(cell):
        compile_expression(_DMN_QUESTION_MARK.sub("dmninputexpr", cell))
        return
    try:
        compile_expression(f"(dmninputexpr) == ({cell})")
    except UnsafeCode:
        compile_expression(f"dmninputexpr {cell}")


def _check_code(file: str, root) -> list[DiagramProblem]:
    problems = []
    drawn_only = [process for process in root.iter("{*}process") if not executable(process)]
    for node in root.iter():
        name = _local(node)
        if drawn_only and name in (*_EXPRESSIONS, *_SCRIPTS, "inputEntry") \
                and any(ancestor in drawn_only for ancestor in node.iterancestors("{*}process")):
            continue
        try:
            if name in _EXPRESSIONS and _text(node).strip():
                compile_expression(_text(node))
            elif name in _SCRIPTS and (node.text or "").strip():
                compile_script(node.text)
            elif name == "inputEntry":
                _compile_dmn_cell(_text(node))
        except (UnsafeCode, SyntaxError) as error:
            problems.append(DiagramProblem(file, node.sourceline, _owner_id(node),
                                           f"{name} cannot be used: {error}"))
    return problems


def _check_process(file: str, process, forms: dict) -> list[DiagramProblem]:
    problems = []
    if not process.get("id"):
        return [DiagramProblem(file, process.sourceline, None, "the process has no id attribute")]
    ids = {node.get("id") for node in process.iter() if node.get("id")}
    for lane in process.iter("{*}lane"):
        lane_name = lane.get("name") or ""
        if lane_name not in LANE_ROLES:
            problems.append(DiagramProblem(file, lane.sourceline, lane.get("id"),
                                           f"lane name '{lane_name}' is not a role ({', '.join(LANE_ROLES)})"))
    lanes = lanes_of(process)
    for flow in process.iter("{*}sequenceFlow"):
        for end in ("sourceRef", "targetRef"):
            if flow.get(end) not in ids:
                problems.append(DiagramProblem(file, flow.sourceline, flow.get("id"),
                                               f"{end} '{flow.get(end)}' is not an element of this process"))
    for task in process.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}userTask"):  # not zeebe:userTask
        problems.extend(_check_user_task(file, task, lanes, forms))
    return problems


def lanes_of(process) -> dict[str, str]:
    """Each flow node's lane name, by id (elements inside a subprocess take the subprocess's)."""
    lanes = {}
    for lane in process.iter("{*}lane"):
        for ref in lane.iter("{*}flowNodeRef"):
            lanes[(ref.text or "").strip()] = lane.get("name") or ""
    _inherit_lanes(process, lanes)
    return lanes


def executable(process) -> bool:
    """Whether the engine runs the process (BPMN's isExecutable, which SpiffWorkflow takes as true when absent)."""
    return process.get("isExecutable", "true") == "true"


def _inherit_lanes(process, lanes: dict) -> None:
    """Elements inside a subprocess belong to the subprocess's lane (as the engine reads them)."""
    for subprocess in process.iter("{*}subProcess"):
        lane = next((lanes[node.get("id")] for node in [subprocess, *subprocess.iterancestors()]
                     if node.get("id") in lanes), None)
        if lane is None:
            continue
        for node in subprocess.iter():
            if node is not subprocess and node.get("id") and node.get("id") not in lanes:
                lanes[node.get("id")] = lane


def _check_user_task(file, task, lanes, forms) -> list[DiagramProblem]:
    problems, props, where = [], properties(task), (file, task.sourceline, task.get("id"))
    form = props.get(FORM_PROPERTY)
    if not form:
        problems.append(DiagramProblem(*where, f"user task has no '{FORM_PROPERTY}' property naming its form"))
    elif not plain_file_name(form):
        problems.append(DiagramProblem(*where, f"form name '{form}' must be a plain file name in forms/ beside the "
                                               f"diagram (no folders, '..', drive or absolute path; at most "
                                               f"{MAX_FORM_NAME} characters)"))
    elif form not in forms:
        problems.append(DiagramProblem(*where, f"form file '{form}' was not found beside the diagram"))
    if task.get("id") not in lanes:
        problems.append(DiagramProblem(*where, "user task is in no lane, so no role could complete it"))
    step = props.get("lifecycleStep")
    if step and step not in LIFECYCLE_STEPS:
        problems.append(DiagramProblem(*where, f"lifecycleStep '{step}' is not one of {', '.join(LIFECYCLE_STEPS)}"))
    for what, value in (("id", task.get("id")), ("name", task.get("name")), ("dataKey", props.get("dataKey"))):
        if value and len(value) > MAX_TASK_TEXT:
            problems.append(DiagramProblem(*where, f"the user task's {what} is longer than {MAX_TASK_TEXT} characters"))
    unknown = [part for part in (props.get("reviewContext") or "").split() if part not in CONTEXT_PARTS]
    if unknown:
        problems.append(DiagramProblem(*where, f"reviewContext names {', '.join(unknown)}, which a task page cannot "
                                               f"show (it can show {', '.join(CONTEXT_PARTS)})"))
    for name in ("formStartsFrom", "publishes", "warningSigns"):
        if name in props and not _VARIABLE.match(props[name] or ""):
            problems.append(DiagramProblem(*where, f"{name} must name a variable (letters, digits, _), "
                                                   f"not '{props[name]}'"))
    if step == "publication" and not props.get("publishes"):
        problems.append(DiagramProblem(*where, "a publication task needs a 'publishes' property naming the variable "
                                               "that holds the policy it publishes"))
    lead = props.get("reviewLeadTime")
    if lead is not None and not is_calendar_duration(lead.strip()):
        problems.append(DiagramProblem(*where, f"reviewLeadTime '{lead}' is not a duration in years, months, weeks or "
                                               "days such as P3M"))
    due = props.get(DUE_IN_PROPERTY)
    parts = _ISO_DURATION.fullmatch(due.strip()) if due is not None else None
    if due is not None and not parts:
        problems.append(DiagramProblem(*where, f"{DUE_IN_PROPERTY} '{due}' is not an ISO 8601 duration such as P14D"))
    elif parts and timer_limits.too_long({unit: int(parts.group(group)[:-1]) for unit, group in _DURATION_GROUPS
                                          if parts.group(group)}):
        problems.append(DiagramProblem(*where, f"{DUE_IN_PROPERTY} '{due}': {timer_limits.REFUSAL}"))
    return problems


def call_problems(trees: dict) -> list[DiagramProblem]:
    """Call activities that call a process no file of the bundle holds (the engine names only the process).

    The engine also finds a subprocess by its id, so those count as processes here too."""
    callable_kinds = ("{*}process", "{*}subProcess", "{*}transaction", "{*}adHocSubProcess")
    processes = {node.get("id") for root in trees.values() for node in root.iter(*callable_kinds)}
    return [DiagramProblem(name, call.sourceline, call.get("id"),
                           f"the call activity calls '{call.get('calledElement') or ''}', which is not a process "
                           "in these files")
            for name, root in trees.items() for process in root.iter("{*}process") if executable(process)
            for call in process.iter("{*}callActivity") if call.get("calledElement") not in processes]


def check_diagram(file: str, root, forms: dict) -> list[DiagramProblem]:
    """Every modelling problem in one BPMN or DMN document."""
    problems = _check_code(file, root)
    # The engine refuses the whole file for a data store it has no implementation of, naming no line or element.
    problems += [DiagramProblem(file, store.sourceline, store.get("id"), f"data store '{store.get('name') or ''}' has "
                                "no implementation here (task data is kept with the policy): remove it and the "
                                "references to it")
                 for store in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}dataStore")]
    for process in root.iter("{*}process"):
        if executable(process):  # a pool that does not run is a drawing: the engine never reads it
            problems.extend(_check_process(file, process, forms))
    return problems
