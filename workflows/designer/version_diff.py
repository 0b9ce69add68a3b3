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


def _kind(prop: dict) -> str:
    kind = prop.get("type", "text")
    if kind == "string":
        kind = "date" if prop.get("format") == "date" else ("long text" if prop.get("x-widget") == "textarea"
                                                            else "text")
    if "enum" in prop or kind == "array":
        kind = "several choices" if kind == "array" else "choice"
    return {"boolean": "yes/no", "integer": "whole number"}.get(kind, kind)


def _choices(prop: dict) -> dict:
    source = prop.get("items", prop) if isinstance(prop.get("items"), dict) else prop
    labels = prop.get("x-enumLabels") or source.get("x-enumLabels") or {}
    return {str(v): str(labels.get(str(v), v)) for v in source.get("enum") or []}


def _field_changes(name: str, before: dict, after: dict, was_required: bool, is_required: bool) -> list[str]:
    aspects = []
    if _kind(before) != _kind(after):
        aspects.append(f"type {_kind(before)} → {_kind(after)}")
    if before.get("title") != after.get("title"):
        aspects.append(f"label '{before.get('title') or name}' → '{after.get('title') or name}'")
    if was_required != is_required:
        aspects.append("now required" if is_required else "no longer required")
    old_choices, new_choices = _choices(before), _choices(after)
    if old_choices != new_choices:
        added = [label for value, label in new_choices.items() if value not in old_choices]
        removed = [label for value, label in old_choices.items() if value not in new_choices]
        relabelled = [f"{old_choices[v]} → {new_choices[v]}" for v in new_choices
                      if v in old_choices and old_choices[v] != new_choices[v]]
        aspects.append("choices " + "; ".join(part for part in (
            f"added {', '.join(added)}" if added else "", f"removed {', '.join(removed)}" if removed else "",
            f"renamed {', '.join(relabelled)}" if relabelled else "") if part))
    described = ("title", "type", "format", "x-widget", "enum", "items", "x-enumLabels")
    rest = sorted(k for k in set(before) | set(after) if k not in described and before.get(k) != after.get(k))
    aspects += [f"{key} changed" for key in rest]
    return [f"field '{name}' changed ({'; '.join(aspects)})"] if aspects else []


def form_changes(old: dict, new: dict) -> list[str]:
    """A form's changes, field by field, as a designer reads them: added, removed, type, label, required, choices."""
    changes = []
    old_fields, new_fields = old.get("properties", {}), new.get("properties", {})
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    for name, prop in new_fields.items():
        if name not in old_fields:
            required = ", required" if name in new_required else ""
            changes.append(f"field '{name}' added ({_kind(prop)}, '{prop.get('title') or name}'{required})")
    for name, prop in old_fields.items():
        if name not in new_fields:
            changes.append(f"field '{name}' removed")
        else:
            changes += _field_changes(name, prop, new_fields[name], name in old_required, name in new_required)
    if old.get("allOf") != new.get("allOf"):
        changes.append("conditional rules changed")
    rest = {k for k in set(old) | set(new) if k not in ("properties", "required", "allOf", "x-importedFrom")
            and old.get(k) != new.get(k)}
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


def _added(element: Element, old_forms: dict, new_forms: dict) -> dict:
    """An added element; one that names a form new in this version has its fields listed (all added)."""
    form = element.facts.get(f"property {_FORM}")
    fields = [change for change in form_changes({}, new_forms.get(form, {})) if change.startswith("field ")] \
        if form and form not in old_forms else []
    return {**_summary(element), "what": [f"form {form} (new): {change}" for change in fields]} if fields \
        else _summary(element)


def version_diff(old_files: dict[str, str], new_files: dict[str, str]) -> VersionDiff:
    old, new = _elements(old_files), _elements(new_files)
    old_forms, new_forms = _forms(old_files), _forms(new_files)
    added = [_added(new[i], old_forms, new_forms) for i in new if i not in old]
    removed = [_summary(old[i]) for i in old if i not in new]
    changed = []
    for element_id, before in old.items():
        after = new.get(element_id)
        if after is None:
            continue
        what = [f"{key} changed" if key in before.facts and key in after.facts else
                (f"{key} added" if key in after.facts else f"{key} removed")
                for key in sorted(set(before.facts) | set(after.facts)) if before.facts.get(key) != after.facts.get(key)]
        form, was = after.facts.get(f"property {_FORM}"), before.facts.get(f"property {_FORM}")
        if form:  # the form it names now, against the one it named (a new form is compared with the old)
            title = form if form == was else f"{was} → {form}" if was else form
            what += [f"form {title}: {change}" for change in form_changes(old_forms.get(was or "", {}),
                                                                         new_forms.get(form, {}))]
        if what:
            changed.append({**_summary(after), "what": what})
    return VersionDiff(added, removed, changed)
