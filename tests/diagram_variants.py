"""Variants of the shipped lifecycle diagram, built from it at test time (never committed copies).

Each helper takes the bundle's files ({name: text}) and returns changed files, finding elements
by their ``lifecycleStep`` property, lane or kind, never by id, so the variants follow the
shipped diagram as it changes (other issues add steps, deadlines and event subprocesses).
"""
from __future__ import annotations

import re

from lxml import etree

from workflows.engine.specs import read_bundle_directory
from workflows.wiring import BPMN_DIR

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
DI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
NS = {"bpmn": BPMN, "spiffworkflow": SPIFF, "bpmndi": DI, "dc": DC}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def shipped_files() -> dict[str, str]:
    """The shipped bundle as a designer sends it: diagrams by name, forms under forms/."""
    diagrams, forms = read_bundle_directory(BPMN_DIR)
    return {**{n: d.decode() for n, d in diagrams.items()}, **{f"forms/{n}": d.decode() for n, d in forms.items()}}


def diagram_name(files: dict) -> str:
    return next(n for n in sorted(files) if n.endswith(".bpmn"))


def tree(files: dict):
    return etree.fromstring(files[diagram_name(files)].encode(), _PARSER)


def with_tree(files: dict, root) -> dict:
    return {**files, diagram_name(files): etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode()}


def prop(node, name: str) -> str | None:
    found = node.find(f"bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property[@name='{name}']", NS)
    return found.get("value") if found is not None else None


def tasks_of_step(root, step: str) -> list:
    return [t for t in root.iter(f"{{{BPMN}}}userTask") if prop(t, "lifecycleStep") == step]


def warning_signs_code(root):
    """(the element whose code works out the warning signs, that code's node): the element with the
    ``warningSigns`` property, and its script (a script task) or pre-script (a user task)."""
    element = next(node for node in root.iter(f"{{{BPMN}}}*") if prop(node, "warningSigns"))
    code = element.find("bpmn:script", NS)
    return element, code if code is not None else element.find("bpmn:extensionElements/spiffworkflow:preScript", NS)


def by_id(root, element_id: str):
    return root.xpath("//*[@id=$id]", id=element_id)[0]


def flows(root, source=None, target=None) -> list:
    return [f for f in root.iter(f"{{{BPMN}}}sequenceFlow")
            if (source is None or f.get("sourceRef") == source) and (target is None or f.get("targetRef") == target)]


def _drop(root, element_id: str) -> None:
    for node in root.xpath("//*[@id=$id] | //bpmndi:*[@bpmnElement=$id]", id=element_id, namespaces=NS):
        node.getparent().remove(node)
    for ref in root.xpath("//bpmn:flowNodeRef[normalize-space(text())=$id] | //bpmn:incoming[normalize-space(text())=$id]"
                          " | //bpmn:outgoing[normalize-space(text())=$id]", id=element_id, namespaces=NS):
        ref.getparent().remove(ref)


def _after_extensions(node) -> int:
    """Where an ``incoming`` goes: after the documentation and extension elements (the schema's order)."""
    return len(node.findall("bpmn:documentation", NS)) + len(node.findall("bpmn:extensionElements", NS))


def retarget(root, flow, target_id: str) -> None:
    """Point ``flow`` at another element (its old target forgets it, the new one lists it)."""
    old = by_id(root, flow.get("targetRef"))
    for ref in old.findall("bpmn:incoming", NS):
        if ref.text.strip() == flow.get("id"):
            old.remove(ref)
    flow.set("targetRef", target_id)
    new = by_id(root, target_id)
    incoming = etree.Element(f"{{{BPMN}}}incoming")
    incoming.text = flow.get("id")
    new.insert(_after_extensions(new), incoming)


def bypass(root, node) -> None:
    """Remove ``node``: the flows into it go where its (first) outgoing flow went."""
    out = flows(root, source=node.get("id"))
    following = out[0].get("targetRef")
    for flow in flows(root, target=node.get("id")):
        retarget(root, flow, following)
    for flow in out:
        _drop(root, flow.get("id"))
    _drop(root, node.get("id"))


def without_step(files: dict, step: str) -> dict:
    root = tree(files)
    for task in tasks_of_step(root, step):
        bypass(root, task)
    return with_tree(files, root)


def decision_after(root, task):
    """The gateway right after a sign-off task (where "approved" and "changes requested" part)."""
    return by_id(root, flows(root, source=task.get("id"))[0].get("targetRef"))


def changes_to_publication(files: dict, step: str) -> dict:
    """Wire the sign-off's "changes requested" flow (its gateway's default) straight to publication."""
    root = tree(files)
    gateway = decision_after(root, tasks_of_step(root, step)[0])
    changes = by_id(root, gateway.get("default"))
    retarget(root, changes, tasks_of_step(root, "publication")[0].get("id"))
    return with_tree(files, root)


def single_staff_task(files: dict) -> dict:
    """The staff consultation as one task: no multi-instance on it, nor on a subprocess around it."""
    root = tree(files)
    for task in tasks_of_step(root, "staff_consultation"):
        for holder in [task, *task.iterancestors(f"{{{BPMN}}}subProcess")]:
            for loop in holder.findall("bpmn:multiInstanceLoopCharacteristics", NS):
                holder.remove(loop)
    return with_tree(files, root)


def without_review_timer(files: dict) -> dict:
    """The first timer after publication no longer a timer: it waits for a message instead (so an
    event-based gateway before it stays valid), and nothing after publication waits for a date."""
    root = tree(files)
    message = next(root.iter(f"{{{BPMN}}}message")).get("id")
    queue, seen = [tasks_of_step(root, "publication")[0].get("id")], set()
    while queue:
        node = by_id(root, queue.pop(0))
        timer = node.find("bpmn:timerEventDefinition", NS)
        if timer is not None:
            node.replace(timer, etree.fromstring(f'<bpmn:messageEventDefinition xmlns:bpmn="{BPMN}" '
                                                 f'id="{timer.get("id") or "review_message"}" messageRef="{message}" />'))
            return with_tree(files, root)
        for flow in flows(root, source=node.get("id")):
            if flow.get("targetRef") not in seen:
                seen.add(flow.get("targetRef"))
                queue.append(flow.get("targetRef"))
    raise AssertionError("no timer follows publication")


def lane_of(root, element_id: str):
    return next(lane for lane in root.iter(f"{{{BPMN}}}lane")
                if any(ref.text.strip() == element_id for ref in lane.findall("bpmn:flowNodeRef", NS)))


def moved_to_lane(files: dict, step: str, lane_name: str) -> dict:
    root = tree(files)
    task = tasks_of_step(root, step)[0]
    old = lane_of(root, task.get("id"))
    ref = next(r for r in old.findall("bpmn:flowNodeRef", NS) if r.text.strip() == task.get("id"))
    old.remove(ref)
    next(lane for lane in root.iter(f"{{{BPMN}}}lane") if lane.get("name") == lane_name).append(ref)
    return with_tree(files, root)


def _user_task(task_id: str, name: str, form: str, data_key: str) -> str:
    return (f'<bpmn:userTask xmlns:bpmn="{BPMN}" xmlns:spiffworkflow="{SPIFF}" id="{task_id}" name="{name}">'
            "<bpmn:extensionElements><spiffworkflow:properties>"
            f'<spiffworkflow:property name="formJsonSchemaFilename" value="{form}" />'
            f'<spiffworkflow:property name="dataKey" value="{data_key}" />'
            "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>")


def with_task_after(files: dict, step: str, task_id: str, name: str, form: str, form_text: str,
                    lane: str = "manager", data_key: str | None = None) -> dict:
    """Insert a user task (in ``lane``, with a new form) after the first task of ``step``."""
    root = tree(files)
    before = tasks_of_step(root, step)[0]
    flow = flows(root, source=before.get("id"))[0]
    process = before.getparent()
    task = etree.fromstring(_user_task(task_id, name, form, data_key or task_id))
    process.insert(process.index(before) + 1, task)
    old_target = flow.get("targetRef")
    retarget(root, flow, task_id)
    new_flow = etree.SubElement(process, f"{{{BPMN}}}sequenceFlow", id=f"flow_{task_id}", sourceRef=task_id,
                                targetRef=old_target)
    outgoing = etree.SubElement(task, f"{{{BPMN}}}outgoing")
    outgoing.text = new_flow.get("id")
    incoming = etree.Element(f"{{{BPMN}}}incoming")
    incoming.text = new_flow.get("id")
    by_id(root, old_target).insert(_after_extensions(by_id(root, old_target)), incoming)
    ref = etree.SubElement(next(x for x in root.iter(f"{{{BPMN}}}lane") if x.get("name") == lane),
                           f"{{{BPMN}}}flowNodeRef")
    ref.text = task_id
    return {**with_tree(files, root), f"forms/{form}": form_text}


def with_additions(files: dict) -> dict:
    """Reasonable local additions: a reminder timer on the staff consultation (non-interrupting),
    an incident event subprocess with its own task, and a radiation protection supervisor's review."""
    files = with_task_after(files, "revision", "rps_review", "Radiation protection supervisor's review",
                            "note.schema.json", NOTE_FORM)
    root = tree(files)
    staff = tasks_of_step(root, "staff_consultation")[0]
    container = staff.getparent()  # the process, or the per-person subprocess the task sits in
    process = next(staff.iterancestors(f"{{{BPMN}}}process"))
    reminder = etree.fromstring(
        f'<bpmn:boundaryEvent xmlns:bpmn="{BPMN}" id="staff_reminder" name="Reminder" cancelActivity="false" '
        f'attachedToRef="{staff.get("id")}"><bpmn:outgoing>flow_reminder_end</bpmn:outgoing>'
        '<bpmn:timerEventDefinition id="staff_reminder_timer"><bpmn:timeDuration>"P7D"</bpmn:timeDuration>'
        '</bpmn:timerEventDefinition></bpmn:boundaryEvent>')
    end = etree.fromstring(f'<bpmn:endEvent xmlns:bpmn="{BPMN}" id="reminder_end"><bpmn:incoming>flow_reminder_end'
                           '</bpmn:incoming></bpmn:endEvent>')
    flow = etree.fromstring(f'<bpmn:sequenceFlow xmlns:bpmn="{BPMN}" id="flow_reminder_end" sourceRef="staff_reminder" '
                            'targetRef="reminder_end" />')
    incident = etree.fromstring(
        f'<bpmn:subProcess xmlns:bpmn="{BPMN}" xmlns:spiffworkflow="{SPIFF}" id="incident" triggeredByEvent="true">'
        '<bpmn:startEvent id="incident_start" isInterrupting="false"><bpmn:outgoing>flow_incident_1</bpmn:outgoing>'
        '<bpmn:messageEventDefinition id="incident_message" messageRef="local_incident_message" /></bpmn:startEvent>'
        + _user_task("record_incident", "Record the incident", "note.schema.json", "incident").replace(
            "</bpmn:userTask>", "<bpmn:incoming>flow_incident_1</bpmn:incoming><bpmn:outgoing>flow_incident_2"
                                "</bpmn:outgoing></bpmn:userTask>").replace(f' xmlns:bpmn="{BPMN}" xmlns:spiffworkflow="{SPIFF}"', "")
        + '<bpmn:endEvent id="incident_end"><bpmn:incoming>flow_incident_2</bpmn:incoming></bpmn:endEvent>'
        '<bpmn:sequenceFlow id="flow_incident_1" sourceRef="incident_start" targetRef="record_incident" />'
        '<bpmn:sequenceFlow id="flow_incident_2" sourceRef="record_incident" targetRef="incident_end" />'
        "</bpmn:subProcess>")
    for node in (reminder, end, flow):
        container.append(node)
    process.append(incident)
    message = etree.fromstring(f'<bpmn:message xmlns:bpmn="{BPMN}" id="local_incident_message" name="local_incident_noted" />')
    root.insert(list(root).index(process), message)
    manager = next(x for x in root.iter(f"{{{BPMN}}}lane") if x.get("name") == "manager")
    for element_id in ("reminder_end", "staff_reminder", "record_incident", "incident", "incident_start",
                       "incident_end"):
        ref = etree.SubElement(manager, f"{{{BPMN}}}flowNodeRef")
        ref.text = element_id
    return with_tree(files, root)


NOTE_FORM = ('{"title": "Review", "type": "object", "properties": {"note": {"type": "string", "title": "Note", '
             '"x-widget": "textarea"}}, "required": ["note"]}')

_REFERENCES = ("sourceRef", "targetRef", "default", "attachedToRef", "bpmnElement", "processRef", "messageRef",
               "signalRef")
_CODE_TAGS = ("conditionExpression", "script", "preScript", "postScript", "instructionsForEndUser", "timeDate",
              "timeDuration", "timeCycle", "loopDataInputRef", "loopDataOutputRef")
_VARIABLE_PROPERTIES = ("dataKey", "formStartsFrom", "publishes", "warningSigns", "assignee")


def renamed(files: dict, prefix: str = "local_", element_ids: bool = True) -> dict:
    """Every element id (unless ``element_ids`` is false) and every ``dataKey`` renamed, with the
    conditions, scripts, instructions and decision inputs that use the data keys updated, as a
    designer renaming them would."""
    root = tree(files)
    # The process keeps its id: it is the name new policies start on (POLICYFLOW_PROCESS_ID), not an element.
    # Data items' ids are the variables' names to SpiffWorkflow: a designer renames elements, not variables.
    ids = {node.get("id") for node in root.iter() if isinstance(node.tag, str) and node.get("id") and element_ids
           and etree.QName(node).localname not in ("process", "inputDataItem", "outputDataItem", "property")}
    keys = {prop(t, "dataKey") for t in root.iter(f"{{{BPMN}}}userTask") if prop(t, "dataKey")}
    word = re.compile(r"\b(" + "|".join(sorted(map(re.escape, keys), key=len, reverse=True)) + r")\b")

    def code(text: str) -> str:
        return word.sub(lambda m: f"{prefix}{m.group(1)}", text)

    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        if node.get("id") in ids:
            node.set("id", prefix + node.get("id"))
        elif etree.QName(node).localname in ("inputDataItem", "outputDataItem") and node.get("name") in keys:
            # A loop's item that is a step's data key (the staff response) is renamed with it.
            node.set("id", prefix + node.get("id"))
            node.set("name", prefix + node.get("name"))
        for attribute in _REFERENCES:
            if node.get(attribute) in ids:
                node.set(attribute, prefix + node.get(attribute))
        local = etree.QName(node).localname
        if local in ("flowNodeRef", "incoming", "outgoing") and node.text and node.text.strip() in ids:
            node.text = prefix + node.text.strip()
        elif local in _CODE_TAGS and node.text:
            node.text = code(node.text)
        elif local == "property" and node.get("name") in _VARIABLE_PROPERTIES and node.get("value") in keys:
            node.set("value", prefix + node.get("value"))
    changed = with_tree(files, root)
    for name, text in files.items():
        if name.endswith(".dmn"):
            changed[name] = re.sub(r"(<text>)([^<]*)(</text>)", lambda m: m.group(1) + code(m.group(2)) + m.group(3),
                                   text)
    return changed
