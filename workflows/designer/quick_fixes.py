"""The to-do fixes the studio applies to a draft's XML: mark executable, map a lane, give a task a form.

The XML is the draft's own (already parsed safely, no DOCTYPE); it is rewritten with
lxml, keeping comments and everything else as it was.
"""
from __future__ import annotations

import json

from lxml import etree

from workflows.engine.diagram_checks import FORM_PROPERTY, LANE_ROLES, plain_file_name
from workflows.engine.specs import parse_xml
from workflows.errors import FieldError, InvalidInput

SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_KEEPING = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _tree(name: str, text: str):
    parse_xml(name, text.encode())  # refuses what is unsafe, located
    return etree.fromstring(text.encode(), _KEEPING)


def _text(root) -> str:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode()


def _by_id(root, element_id: str):
    found = root.xpath("//*[@id=$id]", id=element_id)
    if not found:
        raise InvalidInput([FieldError("element", f"There is no element '{element_id}' in the diagram.")])
    return found[0]


def mark_executable(name: str, text: str, process_id: str) -> str:
    root = _tree(name, text)
    _by_id(root, process_id).set("isExecutable", "true")
    return _text(root)


def map_lane(name: str, text: str, lane_id: str, role: str) -> str:
    if role not in LANE_ROLES:
        raise InvalidInput([FieldError("role", f"Choose one of the roles: {', '.join(LANE_ROLES)}.")])
    root = _tree(name, text)
    _by_id(root, lane_id).set("name", role)
    return _text(root)


def set_property(name: str, text: str, element_id: str, prop: str, value: str) -> str:
    """Set one ``spiffworkflow:property`` of an element, adding the extension elements it needs."""
    root = _tree(name, text)
    node = _by_id(root, element_id)
    extensions = node.find(f"{{{BPMN}}}extensionElements")
    if extensions is None:
        extensions = etree.Element(f"{{{BPMN}}}extensionElements")
        node.insert(0 if node.find(f"{{{BPMN}}}documentation") is None else 1, extensions)
    holder = extensions.find(f"{{{SPIFF}}}properties")
    if holder is None:
        holder = etree.SubElement(extensions, f"{{{SPIFF}}}properties", nsmap={"spiffworkflow": SPIFF})
    entry = next((p for p in holder.findall(f"{{{SPIFF}}}property") if p.get("name") == prop), None)
    if entry is None:
        entry = etree.SubElement(holder, f"{{{SPIFF}}}property", name=prop)
    entry.set("value", value)
    return _text(root)


def give_form(files: dict[str, str], name: str, task_id: str, form: str) -> dict[str, str]:
    """Name ``form`` as the task's form, creating an empty form file when the draft has none by that name."""
    if not plain_file_name(form) or not form.endswith(".schema.json"):
        raise InvalidInput([FieldError("form", "A form's file name ends in .schema.json and has no folders.")])
    updated = dict(files)
    updated[name] = set_property(name, files[name], task_id, FORM_PROPERTY, form)
    updated.setdefault(f"forms/{form}", json.dumps({"title": form.removesuffix(".schema.json").replace("_", " "),
                                                    "type": "object", "properties": {}, "required": []}, indent=2))
    return updated
