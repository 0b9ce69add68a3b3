"""Comparing versions: elements added, removed and changed, and changed forms field by field."""
from __future__ import annotations

import json

from tests import diagram_variants as variants
from workflows.designer.version_diff import version_diff


def test_the_same_files_have_no_differences():
    files = variants.shipped_files()
    assert version_diff(files, files).as_dict() == {"added": [], "removed": [], "changed": []}


def test_an_added_task_its_flows_and_a_changed_condition_and_form_are_listed():
    old = variants.shipped_files()
    new = variants.with_task_after(old, "revision", "rps_review", "Radiation protection review", "note.schema.json",
                                   variants.NOTE_FORM)
    root = variants.tree(new)
    employer = variants.tasks_of_step(root, "employer_signoff")[0]
    approved = next(f for f in variants.flows(root, source=variants.decision_after(root, employer).get("id"))
                    if f.find("{*}conditionExpression") is not None)
    approved.find("{*}conditionExpression").text += " and True"
    new = variants.with_tree(new, root)
    form_name = "forms/" + variants.prop(employer, "formJsonSchemaFilename")
    form = json.loads(new[form_name])
    form["properties"]["extra_check"] = {"type": "boolean", "title": "Extra check"}
    form["properties"]["comments"]["title"] = "Your comments"
    new[form_name] = json.dumps(form)
    diff = version_diff(old, new).as_dict()
    assert {"id": "rps_review", "name": "Radiation protection review", "type": "userTask",
            "what": ["form note.schema.json (new): field 'note' added (long text, 'Note', required)"]} in diff["added"]
    assert {"id": "flow_rps_review", "name": "flow_rps_review", "type": "sequenceFlow"} in diff["added"]
    changed = {c["id"]: c["what"] for c in diff["changed"]}
    assert changed[approved.get("id")] == ["condition changed"]
    assert f"form {form_name[6:]}: field 'extra_check' added (yes/no, 'Extra check')" in changed[employer.get("id")]
    assert any(line.startswith(f"form {form_name[6:]}: field 'comments' changed (label '")
               for line in changed[employer.get("id")])


def test_a_removed_step_is_listed_as_removed():
    old = variants.shipped_files()
    new = variants.without_step(old, "patient_consultation")
    removed = version_diff(old, new).as_dict()["removed"]
    assert any(e["type"] == "userTask" and e["id"] == "patient_consultation" for e in removed), removed


def test_forms_are_compared_field_by_field_and_a_new_form_against_the_old():
    from workflows.designer.version_diff import form_changes
    old = {"type": "object", "required": ["a"], "properties": {
        "a": {"type": "string", "title": "A"}, "b": {"type": "string", "enum": ["x", "y"], "x-enumLabels": {
            "x": "Ex", "y": "Why"}}, "gone": {"type": "boolean"}}}
    new = {"type": "object", "required": ["b"], "properties": {
        "a": {"type": "integer", "title": "A number"}, "b": {"type": "string", "enum": ["x", "z"], "x-enumLabels": {
            "x": "Ex", "z": "Zed"}}, "c": {"type": "string", "x-widget": "textarea", "title": "Notes"}}}
    assert form_changes(old, new) == [
        "field 'c' added (long text, 'Notes')",
        "field 'a' changed (type text → whole number; label 'A' → 'A number'; no longer required)",
        "field 'b' changed (now required; choices added Zed; removed Why)",
        "field 'gone' removed"]
