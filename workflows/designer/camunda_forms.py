"""Camunda Forms (form-js JSON, from Camunda Modeler 7 and 8) read as our JSON Schema forms.

A Camunda diagram names its task's form by ``camunda:formKey`` (``camunda-forms:…:ID``)
or ``zeebe:formDefinition formId=…``; the form itself is a ``.form`` file of form-js
components. Each input component becomes one flat field, as our forms are written:
text, textarea, number, checkbox (a box to tick), radio and select (an enum with its
labels), checklist (an array of enums), datetime (a date, or a date and time); its
label, description and ``validate.required`` come along. Layout components (text,
spacers, groups' frames) carry no answer and are left out; a group's fields are read
as if they stood outside it.
"""
from __future__ import annotations

import json
import re

from workflows.errors import DiagramError, DiagramProblem

FORM_JS_SUFFIX = ".form"
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
_CONTAINERS = ("group", "dynamiclist", "iframe")
_LAYOUT = ("text", "html", "spacer", "separator", "image", "button", "table", "documentPreview", "expression",
           "filepicker")


def is_form_js(name: str, text: str) -> bool:
    """A Camunda Form: a ``.form`` file, or JSON whose ``components`` list says it is one."""
    if name.endswith(FORM_JS_SUFFIX):
        return True
    if not name.endswith(".json") or name.endswith(".schema.json"):
        return False
    try:
        data = json.loads(text)
    except ValueError:
        return False
    return isinstance(data, dict) and isinstance(data.get("components"), list)


def form_id(text: str) -> str | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data.get("id") if isinstance(data, dict) and isinstance(data.get("id"), str) else None


def _components(components: list):
    for component in components:
        if not isinstance(component, dict):
            continue
        if component.get("type") in _CONTAINERS:
            yield from _components(component.get("components") or [])
        else:
            yield component


def _choices(component: dict) -> tuple[list[str], dict[str, str]]:
    values = [v for v in component.get("values") or [] if isinstance(v, dict) and "value" in v]
    return [str(v["value"]) for v in values], {str(v["value"]): str(v.get("label") or v["value"]) for v in values}


def _field(component: dict) -> dict | None:
    kind = component.get("type")
    field: dict = {}
    if kind == "textfield":
        field = {"type": "string"}
    elif kind == "textarea":
        field = {"type": "string", "x-widget": "textarea"}
    elif kind == "number":
        digits = component.get("decimalDigits")
        field = {"type": "integer" if digits == 0 else "number"}
    elif kind == "checkbox":
        field = {"type": "boolean", "x-widget": "checkbox"}
    elif kind in ("radio", "select"):
        values, labels = _choices(component)
        field = {"type": "string", "enum": values, "x-enumLabels": labels}
        if kind == "select":
            field["x-widget"] = "select"
    elif kind in ("checklist", "taglist"):
        values, labels = _choices(component)
        field = {"type": "array", "uniqueItems": True, "items": {"type": "string", "enum": values},
                 "x-enumLabels": labels}
    elif kind == "datetime":
        field = {"type": "string", "format": "date" if component.get("subtype", "date") == "date" else "date-time"}
    else:
        return None
    if component.get("label"):
        field["title"] = str(component.get("label") or component.get("dateLabel"))
    elif component.get("dateLabel"):
        field["title"] = str(component["dateLabel"])
    if component.get("description"):
        field["description"] = str(component["description"])
    validate = component.get("validate") if isinstance(component.get("validate"), dict) else {}
    if kind in ("textfield", "textarea") and isinstance(validate.get("maxLength"), int):
        field["maxLength"] = validate["maxLength"]
    if kind == "number":
        for ours, theirs in (("minimum", "min"), ("maximum", "max")):
            if isinstance(validate.get(theirs), (int, float)):
                field[ours] = validate[theirs]
    return field


def json_schema(name: str, text: str) -> dict:
    """The Camunda Form in ``text`` as a JSON Schema form; DiagramError (located) if it cannot be read."""
    try:
        data = json.loads(text)
    except ValueError as error:
        line = getattr(error, "lineno", None)
        raise DiagramError([DiagramProblem(name, line, None, f"not a Camunda Form: not valid JSON ({error})")]) \
            from None
    if not isinstance(data, dict) or not isinstance(data.get("components"), list):
        raise DiagramError.single(name, "not a Camunda Form: it has no list of components")
    properties, required, problems = {}, [], []
    for component in _components(data["components"]):
        if component.get("type") in _LAYOUT:
            continue
        key = component.get("key")
        field = _field(component)
        if field is None:
            problems.append(f"a {component.get('type')!s} component ('{key or component.get('id')}') has no "
                            "counterpart in our forms")
            continue
        if not isinstance(key, str) or not _KEY.match(key):
            problems.append(f"the field key {key!r} must be letters, digits and _ (a variable name)")
            continue
        properties[key] = field
        validate = component.get("validate") if isinstance(component.get("validate"), dict) else {}
        if validate.get("required") is True:
            required.append(key)
    if problems:
        raise DiagramError([DiagramProblem(name, _line_of(text, message), None, message) for message in problems])
    title = data.get("name") or data.get("id") or name.rsplit(".", 1)[0]
    return {"title": str(title), "type": "object", "properties": properties, "required": required}


def _line_of(text: str, message: str) -> int | None:
    quoted = re.search(r"'([^']+)'", message)
    if not quoted:
        return None
    at = text.find(f'"{quoted.group(1)}"')
    return text.count("\n", 0, at) + 1 if at >= 0 else None
