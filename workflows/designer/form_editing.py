"""The form editor's model: a form's fields as a designer edits them, and back to JSON Schema.

Most designers edit a list of fields (title, help, type, required, choices with
labels, long text); the rest edit the JSON. Keys the list does not show (``x-role``,
``x-risk``, limits, conditional rules) are kept as they were, so the editor never
loses what makes a field mean something to the app.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from workflows.errors import DiagramError, FieldError, InvalidInput
from workflows.forms.deploy_checks import form_problems

KINDS = {"text": "Short text", "textarea": "Long text", "date": "Date", "integer": "Whole number",
         "yesno": "Yes / no question", "checkbox": "Confirmation to tick", "choice": "One choice",
         "choices": "Several choices"}
_CONTROLLED = {"type", "title", "description", "x-widget", "format", "enum", "x-enumLabels", "items"}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass
class FieldSpec:
    name: str
    title: str = ""
    help: str = ""
    kind: str = "text"
    required: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)

    @property
    def choices_text(self) -> str:
        return "\n".join(f"{value} = {label}" for value, label in self.choices)


def _kind(prop: dict) -> str:
    if prop.get("type") == "array":
        return "choices"
    if prop.get("type") == "boolean":
        return "checkbox" if prop.get("x-widget") == "checkbox" else "yesno"
    if "enum" in prop:
        return "choice"
    if prop.get("type") in ("integer", "number"):
        return "integer"
    if prop.get("format") == "date":
        return "date"
    return "textarea" if prop.get("x-widget") == "textarea" else "text"


def fields_of(form: dict) -> list[FieldSpec]:
    found = []
    required = set(form.get("required", []))
    for name, prop in form.get("properties", {}).items():
        source = prop.get("items", prop) if prop.get("type") == "array" else prop
        labels = source.get("x-enumLabels") or prop.get("x-enumLabels") or {}
        values = source.get("enum") or list(labels)
        found.append(FieldSpec(name, prop.get("title", ""), prop.get("description", ""), _kind(prop),
                               name in required, [(str(v), str(labels.get(str(v), v))) for v in values]))
    return found


def parse_choices(text: str) -> list[tuple[str, str]]:
    """``value = label`` lines (a line without ``=`` is its own label)."""
    choices = []
    for line in (text or "").splitlines():
        if line.strip():
            value, _, label = line.partition("=")
            choices.append((value.strip(), (label or value).strip()))
    return choices


def _property(spec: FieldSpec, old: dict) -> dict:
    prop = {k: v for k, v in old.items() if k not in _CONTROLLED}
    if spec.title:
        prop["title"] = spec.title
    if spec.help:
        prop["description"] = spec.help
    values = [value for value, _label in spec.choices]
    labels = {value: label for value, label in spec.choices}
    if spec.kind == "integer":
        prop["type"] = "integer"
        if spec.choices:
            prop["x-enumLabels"] = labels
    elif spec.kind in ("yesno", "checkbox"):
        prop["type"] = "boolean"
        if spec.kind == "checkbox":
            prop["x-widget"] = "checkbox"
    elif spec.kind == "choice":
        prop.update({"type": "string", "enum": values, "x-enumLabels": labels})
    elif spec.kind == "choices":
        prop.update({"type": "array", "items": {"type": "string", "enum": values, "x-enumLabels": labels}})
    else:
        prop["type"] = "string"
        if spec.kind == "textarea":
            prop["x-widget"] = "textarea"
        elif spec.kind == "date":
            prop["format"] = "date"
    return prop


def form_from_fields(form: dict, specs: list[FieldSpec]) -> dict:
    """``form`` with its fields replaced by ``specs`` (in order); InvalidInput names each bad field."""
    errors, names = [], set()
    for index, spec in enumerate(specs):
        where = f"field-{index}-name"
        if not _NAME.match(spec.name):
            errors.append(FieldError(where, f"Field {index + 1}: a name is lower-case letters, digits and _, "
                                            f"starting with a letter (not '{spec.name}')."))
        elif spec.name in names:
            errors.append(FieldError(where, f"Field {index + 1}: there is already a field named '{spec.name}'."))
        names.add(spec.name)
        if spec.kind not in KINDS:
            errors.append(FieldError(f"field-{index}-kind", f"Field {index + 1}: choose a type."))
        if spec.kind in ("choice", "choices") and not spec.choices:
            errors.append(FieldError(f"field-{index}-choices", f"Field {index + 1}: list its choices, one a line."))
    if errors:
        raise InvalidInput(errors)
    old = form.get("properties", {})
    updated = {k: v for k, v in form.items() if k not in ("properties", "required")}
    updated["type"] = "object"
    updated["properties"] = {spec.name: _property(spec, old.get(spec.name, {})) for spec in specs}
    updated["required"] = [spec.name for spec in specs if spec.required]
    return updated


def checked_form(name: str, text: str) -> dict:
    """The form in ``text``, if deploy would take it; else InvalidInput with its problems."""
    try:
        form = json.loads(text)
    except ValueError as error:
        raise InvalidInput([FieldError("raw", f"This is not valid JSON: {error}")]) from None
    if not isinstance(form, dict) or form.get("type") != "object" or not isinstance(form.get("properties"), dict):
        raise InvalidInput([FieldError("raw", 'A form is a JSON object with "type": "object" and "properties".')])
    try:
        Draft202012Validator.check_schema(form)
    except SchemaError as error:
        raise InvalidInput([FieldError("raw", f"This is not a valid JSON Schema: {error.message}")]) from None
    try:
        problems = form_problems(name, text, form)
    except DiagramError as error:
        problems = error.problems
    if problems:
        raise InvalidInput([FieldError("raw", problem.message) for problem in problems])
    return form
