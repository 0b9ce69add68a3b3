"""The to-do list's rules: what in a diagram from elsewhere stops it from running here, and the fix for each.

Each rule yields the to-do as a dict (see ``importing.Todo``): the element, its file and
line, a message for the designer and, when the studio can put it right, the fix and its
choices. Only processes that could run are read: the executable one once there is
exactly one, otherwise every top-level process (the first to-do asks which runs).
"""
from __future__ import annotations

import json

from workflows.designer import camunda_settings as camunda
from workflows.designer.foreign_expressions import language, translate_condition, translate_timer
from workflows.engine.diagram_checks import FORM_PROPERTY, LANE_ROLES, executable, lanes_of, properties
from workflows.engine.flow_graph import local
from workflows.scripting import UnsafeCode, compile_expression, compile_script

BPMN_MODEL = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
GATEWAYS = ("exclusiveGateway", "inclusiveGateway", "parallelGateway")
TASK_TYPES = ("userTask", "scriptTask")
_TIMERS = ("timeDuration", "timeDate", "timeCycle")
_LOOP_EXPRESSIONS = ("completionCondition", "loopCardinality")


def _todo(kind, node, file, message, fix=None, choices=(), element=None) -> dict:
    return {"kind": kind, "element": element or node.get("id"), "message": message, "line": node.sourceline,
            "file": file, "fix": fix, "choices": tuple(choices)}


def _label(node) -> str:
    return node.get("name") or node.get("id") or local(node)


def _roles_for(*texts: str) -> tuple[str, ...]:
    suggested = camunda.suggested_role(*texts)
    return (suggested, *[r for r in LANE_ROLES if r != suggested]) if suggested else LANE_ROLES


def diagram_todos(trees: dict, forms: dict[str, str]) -> list[dict]:
    bpmn = {name: root for name, root in trees.items() if name.endswith(".bpmn")}
    processes = [(name, process) for name, root in bpmn.items() for process in root.iter("{*}process")]
    called = {node.get("calledElement") for root in bpmn.values() for node in root.iter("{*}callActivity")}
    top = [(name, p) for name, p in processes if p.get("id") not in called]
    running = [(name, p) for name, p in top if executable(p)]
    todos = []
    if len(running) != 1 and top:
        listed = "; ".join(f"'{_label(p)}' ({p.get('id')}, {name} line {p.sourceline})" for name, p in top)
        first_name, first = top[0]
        todos.append(_todo("executable", first, first_name,
                           f"Choose the one process that runs ({len(running)} of {len(top)} are marked executable): "
                           f"{listed}.", "executable", [p.get("id") for _, p in top if p.get("id")]))
    chosen = running if len(running) == 1 else top
    todos += _diagram_choices(bpmn, chosen[0][1] if len(running) == 1 else None)
    decisions = [node.get("id") for name, root in trees.items() if name.endswith(".dmn")
                 for node in root.iter("{*}decision") if node.get("id")]
    reading = chosen + [(name, p) for name, p in processes if p.get("id") in called]
    for name, process in reading:
        todos += _process_todos(name, process, forms, decisions)
    return todos + _data_store_todos(bpmn, reading)


def _data_store_todos(bpmn: dict, reading: list) -> list[dict]:
    """Data stores declared beside the processes (Signavio does): the engine refuses the whole file for
    one, wherever it is used. Removing a reference below removes its store too; any other store is listed."""
    removed_with = {ref.get("dataStoreRef") for _, process in reading for ref in process.iter("{*}dataStoreReference")}
    return [_todo("data", store, name, f"'{_label(store)}' is a data store with no implementation here (task data is "
                                       "kept with the policy): remove it and what refers to it.", "remove_data")
            for name, root in bpmn.items() for store in root.iter(f"{BPMN_MODEL}dataStore")
            if store.get("id") and store.get("id") not in removed_with]


def _diagram_choices(bpmn: dict, runs) -> list[dict]:
    """A file with several diagrams: which one the modeler shows first (the one drawing the process that runs)."""
    todos = []
    for name, root in bpmn.items():
        diagrams = list(root.iter("{*}BPMNDiagram"))
        if len(diagrams) < 2:
            continue
        shown = {d.get("id"): _drawn_processes(root, d) for d in diagrams}
        if runs is not None and runs.get("id") in shown[diagrams[0].get("id")]:
            continue
        listed = "; ".join(f"'{d.get('name') or d.get('id')}' ({d.get('id')}, line {d.sourceline}: "
                           f"{', '.join(shown[d.get('id')]) or 'no process'})" for d in diagrams)
        todos.append({"kind": "show_diagram", "element": name, "message": f"{name} holds {len(diagrams)} diagrams; "
                      f"choose the one to show first: {listed}.", "line": diagrams[0].sourceline, "file": name,
                      "fix": "show_diagram", "choices": tuple(d.get("id") for d in diagrams if d.get("id"))})
    return todos


def _drawn_processes(root, diagram) -> list[str]:
    plane = next(diagram.iter("{*}BPMNPlane"), None)
    target = plane.get("bpmnElement") if plane is not None else None
    found = root.xpath("//*[@id=$id]", id=target) if target else []
    if not found:
        return []
    if local(found[0]) == "process":
        return [target]
    return [p.get("processRef") for p in found[0].iter("{*}participant") if p.get("processRef")]


def _process_todos(file: str, process, forms: dict, decisions: list) -> list[dict]:
    todos = []
    lanes = lanes_of(process)
    for lane in process.iter("{*}lane"):
        if (lane.get("name") or "") not in LANE_ROLES:
            inside = [node for node in process.iter() if node.get("id") in
                      {(ref.text or "").strip() for ref in lane.iter("{*}flowNodeRef")}]
            hints = [hint for node in inside for hint in camunda.who(node)]
            roles = _roles_for(*hints, lane.get("name") or "")
            said = f" Its tasks' settings say {', '.join(repr(h) for h in hints)}: {roles[0]} is suggested." \
                if hints and camunda.suggested_role(*hints) else ""
            todos.append(_todo("lane", lane, file, f"Map the lane '{_label(lane)}' to a role "
                                                   f"({', '.join(LANE_ROLES)}).{said}", "lane", roles))
    for node in process.iter():
        todos += _node_todos(file, node, lanes, forms, decisions)
    return todos


def _node_todos(file, node, lanes, forms, decisions) -> list[dict]:
    if not isinstance(node.tag, str) or not node.tag.startswith(BPMN_MODEL):
        return []  # another engine's extension elements (zeebe:userTask) are read with their element
    kind, todos = local(node), []
    if kind == "userTask":
        todos += _user_task_todos(file, node, lanes, forms)
    elif kind in ("task", "serviceTask"):
        what = "a service task calls another system, which cannot happen here" if kind == "serviceTask" \
            else "as a plain task it does nothing"
        todos.append(_todo("task_type", node, file, f"Say what '{_label(node)}' is: a user task (someone answers a "
                                                    f"form) or a script task; {what}.", "task_type", TASK_TYPES))
    elif kind == "complexGateway":
        todos.append(_todo("unsupported", node, file, f"'{_label(node)}' is a complexGateway, which cannot run here: "
                                                      "replace it with an exclusive, inclusive or parallel gateway.",
                           "replace", GATEWAYS))
    elif kind == "businessRuleTask" and not list(node.iter("{*}calledDecisionId")):
        todos.append(_todo("decision", node, file, f"Choose the decision table '{_label(node)}' calls"
                                                   + (f" ({', '.join(decisions)})." if decisions else
                                                      ": upload its .dmn file first."), "decision" if decisions
                           else None, decisions))
    elif kind in ("dataStoreReference", "dataObjectReference"):
        if kind == "dataStoreReference" or not node.getroottree().xpath("//*[@id=$id]", id=node.get("dataObjectRef")):
            todos.append(_todo("data", node, file, f"'{_label(node)}' is a {kind[:-9]} with no implementation here "
                                                   "(task data is kept with the policy): remove it and its "
                                                   "associations.", "remove_data"))
    elif kind == "conditionExpression":
        todos += _condition_todos(file, node)
    elif kind in _LOOP_EXPRESSIONS and language((node.text or "").strip()):
        todos += _loop_todos(file, node)
    elif kind in _TIMERS:
        todos += _timer_todos(file, node)
    elif kind == "script" and (node.text or "").strip():
        try:
            compile_script(node.text)
        except (UnsafeCode, SyntaxError) as error:
            owner = node.getparent()
            todos.append(_todo("script", owner, file, f"The script of '{_label(owner)}' cannot run here ({error}); "
                                                      f"rewrite it in Python: {node.text.strip()[:200]}"))
    unread = camunda.unread_settings(node)
    if unread and node.get("id"):
        todos.append(_todo("foreign", node, file, f"'{_label(node)}' has settings of another engine "
                                                  f"({', '.join(unread)}) that do nothing here.", "remove_settings"))
    return todos


def _user_task_todos(file, node, lanes, forms) -> list[dict]:
    todos, form = [], properties(node).get(FORM_PROPERTY)
    if not form or form not in forms:
        reference = camunda.form_reference(node)
        imported = [name for name, text in sorted(forms.items()) if reference and _converted_from(name, text, reference)]
        choices = (*imported, *[n for n in sorted(forms) if n not in imported], f"{node.get('id')}.schema.json")
        said = f" Its Camunda form '{reference}' was converted: {imported[0]}." if imported else \
            (f" Its Camunda form '{reference}' was not uploaded." if reference else "")
        missing = f"Its form '{form}' is not in the draft." if form else "Give it a form."
        todos.append(_todo("form", node, file, f"'{_label(node)}' needs a form. {missing}{said}", "form",
                           tuple(dict.fromkeys(choices))))
    if node.get("id") not in lanes:
        hints = camunda.who(node)
        roles = _roles_for(*hints)
        said = f" Its settings say {', '.join(repr(h) for h in hints)}: {roles[0]} is suggested." \
            if hints and camunda.suggested_role(*hints) else ""
        todos.append(_todo("task_lane", node, file, f"'{_label(node)}' is in no lane, so no role could complete it: "
                                                    f"put it in a role's lane.{said}", "task_lane", roles))
    return todos


def _converted_from(name: str, text: str, reference: str) -> bool:
    """Whether the form was converted from the Camunda Form a task names (by its id or its file's name)."""
    if name == f"{reference}.schema.json":
        return True
    try:
        source = json.loads(text).get("x-importedFrom") or {}
    except (ValueError, AttributeError):
        return False
    return isinstance(source, dict) and reference in (source.get("id"), source.get("embeddedAs"),
                                                      str(source.get("file", "")).rsplit(".", 1)[0])


def _condition_todos(file, node) -> list[dict]:
    text = (node.text or "").strip()
    flow = node.getparent()
    if not text:
        return []
    written_in = language(text)
    if written_in:
        python = translate_condition(text)
        if python:
            return [_todo("condition", flow, file, f"The condition of '{_label(flow)}' is {written_in}: {text} . In "
                                                   f"Python it reads: {python} . Confirm the translation.", "condition",
                          [python])]
        return [_todo("condition", flow, file, f"The condition of '{_label(flow)}' is {written_in} that cannot be "
                                               f"translated: {text} . Rewrite it in Python.")]
    try:
        compile_expression(text)
    except (UnsafeCode, SyntaxError) as error:
        return [_todo("condition", flow, file, f"The condition of '{_label(flow)}' cannot run here ({error}): {text}")]
    return []


def _loop_todos(file, node) -> list[dict]:
    """A loop's condition or count in JUEL or FEEL: listed with its expression from the first list on, not
    translated, since it reads the other engine's own counters (``nrOfCompletedInstances``, ``loopCounter``)."""
    text = (node.text or "").strip()
    owner = next((ancestor for ancestor in node.iterancestors() if ancestor.get("id")), node)
    return [_todo("loop", node, file, f"The {local(node)} of '{_label(owner)}' is {language(text)}: {text} . "
                                      "Rewrite it in Python.", element=owner.get("id"))]


def _timer_todos(file, node) -> list[dict]:
    text = (node.text or "").strip()
    definition = node.getparent()
    event = definition.getparent() if definition is not None and definition.getparent() is not None else node
    if not text:
        return []
    python = translate_timer(text)
    readable = python is None
    if readable:
        try:
            compile_expression(text)
        except (UnsafeCode, SyntaxError):
            readable = False
    if readable:
        return []
    if python:
        return [_todo("timer", event, file, f"The timer of '{_label(event)}' reads {text}, which the engine cannot "
                                            f"read; written for it: {python} .", "timer", [python])]
    return [_todo("timer", event, file, f"The timer of '{_label(event)}' reads {text}, which the engine cannot read: "
                                        "write an ISO 8601 value in quotes (\"P14D\") or a variable's name.")]
