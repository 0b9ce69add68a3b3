"""The to-do fixes the studio applies to a draft's XML, one per fix name of ``import_rules``.

The XML is the draft's own (already parsed safely, no DOCTYPE); it is rewritten with
lxml, keeping comments and everything else as it was. Each fix finds its element by
id *and* by the kind of element it changes, so "mark executable" changes the
``<process>``, never a ``globalTask`` or participant that happens to share its id.
"""
from __future__ import annotations

import json

from lxml import etree

from workflows.designer import camunda_settings as camunda
from workflows.designer.importing import as_utf8, declared_encoding, parsed
from workflows.engine.diagram_checks import FORM_PROPERTY, LANE_ROLES, plain_file_name
from workflows.errors import FieldError, InvalidInput

SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_KEEPING = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_NS = {"bpmn": BPMN}
_BEFORE_FLOW = ("documentation", "extensionElements", "auditing", "monitoring", "categoryValueRef", "property")


def _refuse(field: str, message: str):
    raise InvalidInput([FieldError(field, message)])


def _tree(name: str, text: str):
    if declared_encoding(text):
        _refuse("element", f"{name} declares another encoding than UTF-8: convert it first (its to-do does).")
    parsed(name, text)  # refuses what is unsafe, located
    return etree.fromstring(text.encode("utf-8"), _KEEPING)


def _text(root) -> str:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode()


def _by_id(root, element_id: str, kinds: tuple[str, ...] | None = None):
    found = [node for node in root.xpath("//*[@id=$id]", id=element_id)
             if kinds is None or etree.QName(node).localname in kinds]
    if not found:
        what = f"no {' or '.join(kinds)} '{element_id}'" if kinds else f"no element '{element_id}'"
        _refuse("element", f"There is {what} in the diagram.")
    return found[0]


def _extensions(node):
    extensions = node.find(f"{{{BPMN}}}extensionElements")
    if extensions is None:
        extensions = etree.Element(f"{{{BPMN}}}extensionElements")
        node.insert(0 if node.find(f"{{{BPMN}}}documentation") is None else 1, extensions)
    return extensions


def _set_property(node, prop: str, value: str) -> None:
    extensions = _extensions(node)
    holder = extensions.find(f"{{{SPIFF}}}properties")
    if holder is None:
        holder = etree.SubElement(extensions, f"{{{SPIFF}}}properties", nsmap={"spiffworkflow": SPIFF})
    entry = next((p for p in holder.findall(f"{{{SPIFF}}}property") if p.get("name") == prop), None)
    if entry is None:
        entry = etree.SubElement(holder, f"{{{SPIFF}}}property", name=prop)
    entry.set("value", value)


def set_property(name: str, text: str, element_id: str, prop: str, value: str) -> str:
    """Set one ``spiffworkflow:property`` of an element, adding the extension elements it needs."""
    root = _tree(name, text)
    _set_property(_by_id(root, element_id), prop, value)
    return _text(root)


def give_form(files: dict[str, str], name: str, task_id: str, form: str) -> dict[str, str]:
    """Name ``form`` as the task's form, creating an empty form file when the draft has none by that name."""
    if not plain_file_name(form) or not form.endswith(".schema.json"):
        _refuse("choice", "A form's file name ends in .schema.json and has no folders.")
    updated = dict(files)
    root = _tree(name, files[name])
    _set_property(_by_id(root, task_id, ("userTask",)), FORM_PROPERTY, form)
    updated[name] = _text(root)
    if f"forms/{form}" not in updated and form not in updated:
        updated[f"forms/{form}"] = json.dumps({"title": form.removesuffix(".schema.json").replace("_", " "),
                                               "type": "object", "properties": {}, "required": []}, indent=2)
    return updated


def mark_executable(files: dict[str, str], process_id: str) -> dict[str, str]:
    """Make ``process_id`` the one executable top-level process (the processes it calls stay as they are)."""
    updated, found = dict(files), False
    trees = {n: _tree(n, t) for n, t in files.items() if n.endswith(".bpmn")}
    called = {node.get("calledElement") for root in trees.values() for node in root.iter(f"{{{BPMN}}}callActivity")}
    for name, root in trees.items():
        for process in root.iterfind("bpmn:process", _NS):
            if process.get("id") == process_id:
                process.set("isExecutable", "true")
                found = True
            elif process.get("id") not in called:
                process.set("isExecutable", "false")
        updated[name] = _text(root)
    if not found:
        _refuse("choice", f"There is no process '{process_id}' in the draft's diagrams.")
    return updated


def _lane_for(process, role: str):
    lane = next((lane for lane in process.iterfind("bpmn:laneSet/bpmn:lane", _NS) if lane.get("name") == role), None)
    if lane is not None:
        return lane
    lane_set = process.find("bpmn:laneSet", _NS)
    if lane_set is None:
        lane_set = etree.Element(f"{{{BPMN}}}laneSet", id=f"{process.get('id')}_lanes")
        leading = [child for child in process if isinstance(child.tag, str)
                   and etree.QName(child).localname in _BEFORE_FLOW]
        process.insert(process.index(leading[-1]) + 1 if leading else 0, lane_set)
    ids = set(process.getroottree().xpath("//@id"))
    lane_id = next(f"lane_{role}{n or ''}" for n in range(len(ids) + 1) if f"lane_{role}{n or ''}" not in ids)
    return etree.SubElement(lane_set, f"{{{BPMN}}}lane", id=lane_id, name=role)


def put_in_lane(root, task_id: str, role: str) -> None:
    """Put the task (or, inside a subprocess, its outermost subprocess) in the lane of ``role``."""
    task = _by_id(root, task_id)
    process = next(task.iterancestors(f"{{{BPMN}}}process"))
    node = task
    while node.getparent() is not process:
        node = node.getparent()
    ref = etree.SubElement(_lane_for(process, role), f"{{{BPMN}}}flowNodeRef")
    ref.text = node.get("id")


def _retag(node, kind: str) -> None:
    node.tag = f"{{{BPMN}}}{kind}"


def _remove_data(root, element_id: str) -> None:
    """Remove a data store or object reference with its associations and shapes; a data store
    declared beside the processes goes with its last reference, or with all of them."""
    node = _by_id(root, element_id, ("dataStoreReference", "dataObjectReference", "dataStore"))
    if etree.QName(node).localname == "dataStore":
        nodes = [*root.xpath("//bpmn:dataStoreReference[@dataStoreRef=$id]", namespaces=_NS, id=element_id), node]
    else:
        store = node.get("dataStoreRef")
        others = root.xpath("//bpmn:dataStoreReference[@dataStoreRef=$id]", namespaces=_NS, id=store or "")
        nodes = [node, *(root.xpath("//bpmn:dataStore[@id=$id]", namespaces=_NS, id=store)
                         if store and others == [node] else [])]
    gone = {n.get("id") for n in nodes}
    for association in root.xpath("//bpmn:dataInputAssociation | //bpmn:dataOutputAssociation", namespaces=_NS):
        refs = [(ref.text or "").strip() for ref in association if etree.QName(ref).localname in ("sourceRef",
                                                                                              "targetRef")]
        if gone.intersection(refs):
            gone.add(association.get("id"))
            association.getparent().remove(association)
    for removed in nodes:
        removed.getparent().remove(removed)
    for shape in root.xpath("//*[@bpmnElement]"):
        if shape.get("bpmnElement") in gone:
            shape.getparent().remove(shape)


def _remove_settings(node) -> None:
    for key in [k for k in node.attrib if camunda.engine_namespace(k) and k.split("}")[-1] not in camunda.READ]:
        del node.attrib[key]
    extensions = node.find(f"{{{BPMN}}}extensionElements")
    for child in list(extensions if extensions is not None else []):
        if camunda.engine_namespace(child.tag) and child.tag.split("}")[-1] not in camunda.READ:
            extensions.remove(child)


def _set_decision(node, decision: str) -> None:
    called = etree.SubElement(_extensions(node), f"{{{SPIFF}}}calledDecisionId", nsmap={"spiffworkflow": SPIFF})
    called.text = decision


def _element_fix(root, fix: str, element: str, choice: str) -> None:
    if fix == "lane":
        if choice not in LANE_ROLES:
            _refuse("choice", f"Choose one of the roles: {', '.join(LANE_ROLES)}.")
        _by_id(root, element, ("lane",)).set("name", choice)
    elif fix == "task_lane":
        put_in_lane(root, element, choice)
    elif fix == "task_type":
        node = _by_id(root, element, ("task", "serviceTask"))
        _retag(node, choice)
        if choice == "scriptTask":
            etree.SubElement(node, f"{{{BPMN}}}script").text = "pass  # what this step does, in Python"
    elif fix == "replace":
        node = _by_id(root, element, ("complexGateway",))
        for child in node.findall(f"{{{BPMN}}}activationCondition"):
            node.remove(child)
        if choice == "parallelGateway":
            node.attrib.pop("default", None)
        _retag(node, choice)
    elif fix == "decision":
        _set_decision(_by_id(root, element, ("businessRuleTask",)), choice)
    elif fix == "remove_data":
        _remove_data(root, element)
    elif fix == "condition":
        condition = _by_id(root, element, ("sequenceFlow",)).find(f"{{{BPMN}}}conditionExpression")
        condition.text = choice
        condition.attrib.pop("language", None)
    elif fix == "timer":
        event = _by_id(root, element)
        timer = next(node for node in event.iter() if etree.QName(node).localname in ("timeDuration", "timeDate",
                                                                                        "timeCycle"))
        timer.text = choice
    elif fix == "remove_settings":
        _remove_settings(_by_id(root, element))
    else:
        _refuse("fix", f"There is no fix '{fix}'.")


def _show_first(root, diagram_id: str) -> None:
    diagram = _by_id(root, diagram_id, ("BPMNDiagram",))
    first = next(root.iter(diagram.tag))
    if first is not diagram:
        first.addprevious(diagram)


def apply(files: dict[str, str], file: str, fix: str, element: str, choice: str | None) -> dict[str, str]:
    """The draft's files with one fix applied to ``element`` in ``file``."""
    if fix == "executable":
        return mark_executable(files, choice or element)
    if fix == "form":
        return give_form(files, file, element, choice or f"{element}.schema.json")
    updated = dict(files)
    if fix == "encoding":
        updated[file] = as_utf8(files[file])
        return updated
    root = _tree(file, files[file])
    if fix == "show_diagram":
        _show_first(root, choice or "")
    else:
        _element_fix(root, fix, element, choice or "")
    updated[file] = _text(root)
    return updated
