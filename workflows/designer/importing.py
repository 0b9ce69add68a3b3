"""Diagrams made in other modelers (Camunda Modeler, Signavio, Bizagi, ARIS, …) become drafts with a to-do list.

A diagram drawn elsewhere is rarely runnable here as it is: its process is not marked
executable, its lanes are named after the organisation's jobs ("Approver") rather
than our roles, its tasks have no forms, and it may use elements SpiffWorkflow
cannot run or other engines' settings that mean nothing here. None of that makes it
a dead end: each becomes a to-do, naming the element, and the simple ones have a
fix the studio applies (``quick_fixes``).
"""
from __future__ import annotations

from dataclasses import dataclass

from workflows.engine.diagram_checks import FORM_PROPERTY, LANE_ROLES, properties
from workflows.engine.flow_graph import local
from workflows.engine.specs import parse_xml
from workflows.errors import DiagramError

RUNNABLE = {"adHocSubProcess", "boundaryEvent", "businessRuleTask", "callActivity", "endEvent", "eventBasedGateway",
            "exclusiveGateway", "inclusiveGateway", "intermediateCatchEvent", "intermediateThrowEvent", "manualTask",
            "parallelGateway", "receiveTask", "scriptTask", "sendTask", "serviceTask", "startEvent", "subProcess",
            "task", "transaction", "userTask"}
_FLOW_ELEMENTS = RUNNABLE | {"complexGateway"}
_FOREIGN = ("camunda.org", "signavio.com", "bizagi.com", "aris", "zeebe", "activiti", "flowable")


@dataclass(frozen=True)
class Todo:
    """One thing to do before a diagram can run: ``kind`` says which fix applies."""

    kind: str  # executable | lane | form | unsupported | task_type | foreign
    element: str | None
    message: str
    line: int | None = None


def todo_list(files: dict[str, str]) -> list[Todo]:
    """What a draft still needs before it can run here, element by element."""
    todos: list[Todo] = []
    for name, text in sorted(files.items()):
        if not name.endswith(".bpmn"):
            continue
        try:
            root = parse_xml(name, text.encode("utf-8", "surrogatepass"))
        except DiagramError as error:
            return [Todo("broken", None, f"{name}: {problem.message}", problem.line) for problem in error.problems]
        todos += _of_diagram(root)
    return todos


def _of_diagram(root) -> list[Todo]:
    todos = []
    for process in root.iter("{*}process"):
        if process.get("isExecutable") != "true":
            todos.append(Todo("executable", process.get("id"), f"Mark the process '{process.get('name') or process.get('id')}' "
                                                               "executable, so it can run.", process.sourceline))
        for lane in process.iter("{*}lane"):
            if (lane.get("name") or "") not in LANE_ROLES:
                todos.append(Todo("lane", lane.get("id"), f"Map the lane '{lane.get('name') or lane.get('id')}' to a "
                                                          f"role ({', '.join(LANE_ROLES)}).", lane.sourceline))
        for node in process.iter():
            kind = local(node)
            if kind == "userTask" and not properties(node).get(FORM_PROPERTY):
                todos.append(Todo("form", node.get("id"), f"Give the task '{node.get('name') or node.get('id')}' a "
                                                          "form.", node.sourceline))
            elif kind == "task":
                todos.append(Todo("task_type", node.get("id"),
                                  f"Say what '{node.get('name') or node.get('id')}' is: a user task (someone answers a "
                                  "form) or a script task; as a plain task it does nothing.", node.sourceline))
            elif kind in _FLOW_ELEMENTS and kind not in RUNNABLE:
                todos.append(Todo("unsupported", node.get("id"), f"'{node.get('name') or node.get('id')}' is a {kind}, "
                                                                 "which cannot run here: replace it.", node.sourceline))
            if isinstance(node.tag, str) and any(mark in str(key) for key in node.attrib for mark in _FOREIGN):
                foreign = [str(key).split("}")[-1] for key in node.attrib if any(m in str(key) for m in _FOREIGN)]
                todos.append(Todo("foreign", node.get("id"), f"'{node.get('name') or node.get('id')}' has settings of "
                                                             f"another engine ({', '.join(foreign)}) that do nothing "
                                                             "here; use properties instead.", node.sourceline))
    return todos
