"""What changed between two versions: elements added, removed and changed, forms field by field.

Elements are matched by id across every BPMN and DMN file of the two versions. An
element "changed" when anything a designer edits differs: its name, lane, type,
properties, instructions, scripts, condition, timer, multi-instance settings, where
a flow goes, a decision rule's cells, or the form it names (each field added,
removed or changed, with what about it changed). The studio colours the same ids
on the diagram (bpmn-js-differ); this list is what the API and the page show.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from workflows.engine.flow_graph import local
from workflows.engine.specs import parse_xml

_SKIPPED = {"definitions", "process", "collaboration", "laneSet", "extensionElements", "properties", "property",
            "incoming", "outgoing", "flowNodeRef", "BPMNDiagram", "BPMNPlane", "BPMNShape", "BPMNEdge", "BPMNLabel",
            "DMNDI", "DMNDiagram", "DMNShape", "DMNEdge", "Bounds", "waypoint", "conditionExpression",
            "multiInstanceLoopCharacteristics", "timerEventDefinition", "text", "inputEntry", "outputEntry",
            "inputExpression", "documentation", "instructionsForEndUser", "preScript", "postScript", "script",
            "calledDecisionId", "loopDataInputRef", "loopDataOutputRef", "inputDataItem", "outputDataItem",
            "timeDate", "timeDuration", "timeCycle", "description", "decisionTable", "participant"}
_TEXTS = {"instructionsForEndUser": "instructions", "preScript": "pre-script", "postScript": "post-script",
          "script": "script", "conditionExpression": "condition", "timeDate": "timer", "timeDuration": "timer",
          "timeCycle": "timer", "calledDecisionId": "decision called", "documentation": "documentation",
          "loopDataInputRef": "multi-instance collection", "loopDataOutputRef": "multi-instance output",
          "inputEntry": "rule input", "outputEntry": "rule output", "description": "description",
          "inputExpression": "input expression"}
_FORM = "formJsonSchemaFilename"


@dataclass(frozen=True)
class Element:
    id: str
    name: str
    type: str
    facts: dict = field(default_factory=dict)


@dataclass(frozen=True)
class VersionDiff:
    added: list[dict]
    removed: list[dict]
    changed: list[dict]

    def as_dict(self) -> dict:
        return {"added": self.added, "removed": self.removed, "changed": self.changed}


def _own_text(node, tag: str) -> str | None:
    for child in node.iter(f"{{*}}{tag}"):
        owner = child.getparent()
        while owner is not None and not owner.get("id"):
            owner = owner.getparent()
        if owner is node or (owner is not None and local(owner) in ("timerEventDefinition", "inputDataItem")
                             and owner.getparent() is node):
            return " ".join("".join(child.itertext()).split())
    return None


def _elements(files: dict[str, str]) -> dict[str, Element]:
    found = {}
    for name, text in files.items():
        if not name.endswith((".bpmn", ".dmn")):
            continue
        root = parse_xml(name, text.encode())
        lanes = {(ref.text or "").strip(): lane.get("name") for lane in root.iter("{*}lane")
                 for ref in lane.iter("{*}flowNodeRef")}
        for node in root.iter():
            kind = local(node)
            if not node.get("id") or kind in _SKIPPED or not kind:
                continue
            facts = {"type": kind, "name": node.get("name") or "", "lane": lanes.get(node.get("id"), "")}
            for attribute in ("sourceRef", "targetRef", "default", "attachedToRef", "cancelActivity", "isExecutable",
                              "triggeredByEvent"):
                if node.get(attribute) is not None:
                    facts[attribute] = node.get(attribute)
            for prop in node.iter("{*}property"):
                if prop.get("name") and prop.getparent() is not None and prop.getparent().getparent() is not None \
                        and prop.getparent().getparent().getparent() is node:
                    facts[f"property {prop.get('name')}"] = prop.get("value") or ""
            for tag, label in _TEXTS.items():
                value = _own_text(node, tag)
                if value is not None:
                    facts[label] = facts.get(label, "") + value
            if next(node.iter("{*}multiInstanceLoopCharacteristics"), None) is not None:
                loop = next(node.iter("{*}multiInstanceLoopCharacteristics"))
                facts["multi-instance"] = "sequential" if loop.get("isSequential") == "true" else "parallel"
            found[node.get("id")] = Element(node.get("id"), node.get("name") or node.get("id"), kind, facts)
    return found


def form_changes(old: dict, new: dict) -> list[str]:
    """A form's changes, field by field, as a designer reads them."""
    changes = []
    old_fields, new_fields = old.get("properties", {}), new.get("properties", {})
    for name in new_fields:
        if name not in old_fields:
            changes.append(f"field '{name}' added")
    for name, prop in old_fields.items():
        if name not in new_fields:
            changes.append(f"field '{name}' removed")
        elif prop != new_fields[name]:
            keys = sorted(k for k in set(prop) | set(new_fields[name]) if prop.get(k) != new_fields[name].get(k))
            changes.append(f"field '{name}' changed ({', '.join(keys)})")
    if set(old.get("required", [])) != set(new.get("required", [])):
        changes.append("required fields changed")
    if old.get("allOf") != new.get("allOf"):
        changes.append("conditional rules changed")
    rest = {k for k in set(old) | set(new) if k not in ("properties", "required", "allOf") and old.get(k) != new.get(k)}
    changes += [f"form {k} changed" for k in sorted(rest)]
    return changes


def _forms(files: dict[str, str]) -> dict[str, dict]:
    forms = {}
    for name, text in files.items():
        if name.endswith(".json"):
            try:
                forms[name.removeprefix("forms/")] = json.loads(text)
            except ValueError:
                forms[name.removeprefix("forms/")] = {}
    return forms


def _summary(element: Element) -> dict:
    return {"id": element.id, "name": element.name, "type": element.type}


def version_diff(old_files: dict[str, str], new_files: dict[str, str]) -> VersionDiff:
    old, new = _elements(old_files), _elements(new_files)
    old_forms, new_forms = _forms(old_files), _forms(new_files)
    added = [_summary(new[i]) for i in new if i not in old]
    removed = [_summary(old[i]) for i in old if i not in new]
    changed = []
    for element_id, before in old.items():
        after = new.get(element_id)
        if after is None:
            continue
        what = [f"{key} changed" if key in before.facts and key in after.facts else
                (f"{key} added" if key in after.facts else f"{key} removed")
                for key in sorted(set(before.facts) | set(after.facts)) if before.facts.get(key) != after.facts.get(key)]
        form = after.facts.get(f"property {_FORM}")
        if form and form == before.facts.get(f"property {_FORM}"):
            what += [f"form {form}: {change}" for change in form_changes(old_forms.get(form, {}),
                                                                        new_forms.get(form, {}))]
        if what:
            changed.append({**_summary(after), "what": what})
    return VersionDiff(added, removed, changed)
