"""JSON Schema task forms: turn submitted values into data and explain what is wrong.

The same schema drives the HTML form, the API and validation. HTML posts only
strings, so ``coerce_html_form`` turns them into the schema's types first; the
API sends JSON and is validated as it is.
"""
from __future__ import annotations

import json
from functools import lru_cache

from jsonschema import Draft202012Validator, FormatChecker

from .errors import FieldError, InvalidInput


@lru_cache(maxsize=256)
def _validator(schema_json: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(schema_json), format_checker=FormatChecker())


def _validator_for(schema: dict) -> Draft202012Validator:
    return _validator(json.dumps(schema, sort_keys=True))


def field_label(schema: dict, name: str | None) -> str:
    if not name:
        return "The form"
    return schema.get("properties", {}).get(name, {}).get("title", name)


def _message(schema: dict, error) -> FieldError:
    """One plain-language message for a jsonschema error, naming the field."""
    if error.validator == "required":
        missing = next(name for name in error.validator_value if name not in error.instance)
        return FieldError(missing, f"{field_label(schema, missing)} is required.")
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(schema.get("properties", {})))
        return FieldError(extra[0] if extra else None, f"{', '.join(extra)} is not a field of this form.")
    name = str(error.absolute_path[0]) if error.absolute_path else None
    label = field_label(schema, name)
    prop = schema.get("properties", {}).get(name, {}) if name else {}
    limit = error.validator_value
    messages = {
        "enum": lambda: f"{label}: choose one of the options given.",
        "const": lambda: (f"{label} must be confirmed." if prop.get("type") == "boolean"
                          else f"{label} has a value that is not allowed here."),
        "type": lambda: f"{label} must be {_type_name(limit)}.",
        "minimum": lambda: f"{label} must be at least {limit}.",
        "maximum": lambda: f"{label} must be at most {limit}.",
        "maxLength": lambda: f"{label} must be at most {limit} characters long.",
        "minLength": lambda: f"{label} is required." if limit == 1 else f"{label} must be at least {limit} characters long.",
        "minItems": lambda: f"{label}: choose at least {limit}.",
        "uniqueItems": lambda: f"{label}: choose each option once.",
        "format": lambda: f"{label} must be a valid {limit} (for a date: YYYY-MM-DD).",
    }
    build = messages.get(error.validator)
    return FieldError(name, build() if build else f"{label}: {error.message}")


def _messages(schema: dict, error) -> list[FieldError]:
    """Every problem one jsonschema error stands for: one per missing field of a ``required``."""
    if error.validator == "required" and isinstance(error.instance, dict):
        return [FieldError(name, f"{field_label(schema, name)} is required.")
                for name in error.validator_value if name not in error.instance]
    return [_message(schema, error)]


def _type_name(kind) -> str:
    names = {"integer": "a whole number", "number": "a number", "string": "text", "boolean": "yes or no",
             "array": "a list of choices", "object": "a set of fields"}
    return " or ".join(names.get(k, k) for k in (kind if isinstance(kind, list) else [kind]))


def validate(schema: dict, data: object) -> dict:
    """Return ``data`` if it satisfies the form; raise InvalidInput naming each wrong field."""
    if not isinstance(data, dict):
        raise InvalidInput([FieldError(None, "The form data must be a JSON object of field names and values.")])
    errors, seen = [], set()
    for error in _validator_for(schema).iter_errors(data):
        for message in _messages(schema, error):
            if message.field not in seen:
                seen.add(message.field)
                errors.append(message)
    if errors:
        order = list(schema.get("properties", {}))
        errors.sort(key=lambda e: order.index(e.field) if e.field in order else len(order))
        raise InvalidInput(errors)
    return data


def coerce_html_form(schema: dict, form) -> dict:
    """Turn a posted HTML form (a werkzeug MultiDict) into typed data for ``validate``.

    Empty fields are left out so that ``required`` reports them; a value that
    cannot be converted is kept as text so the type check can name the field.
    """
    data = {}
    for name, prop in schema.get("properties", {}).items():
        kind = prop.get("type")
        if kind == "array":
            values = [v for v in form.getlist(name) if v != ""]
            if values:
                item_kind = prop.get("items", {}).get("type")
                data[name] = [_convert(item_kind, v) for v in values]
            continue
        if kind == "boolean":
            if name in form:
                data[name] = form.get(name) in ("on", "true", "yes", "1")
            continue
        value = (form.get(name) or "").strip()
        if value:
            data[name] = _convert(kind, value)
    return data


def _convert(kind, value: str):
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value
    return value
