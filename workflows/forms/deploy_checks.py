"""What deploy refuses in a task's JSON Schema form, so no policy meets it at run time.

Forms come with untrusted diagrams. Three things in them used to fail only when a
person submitted the form: a ``$ref`` (resolving it failed with a 500; we refuse
references rather than resolve them, since a form is flat fields written in place),
a ``pattern`` RE2 cannot run (backreferences, lookaround: see ``forms``), and
``unevaluatedProperties`` beside ``patternProperties`` (jsonschema would match those
names with Python's backtracking ``re``). Each is reported as a DiagramProblem
naming the form, the line where we can find it, and the field; so is a form that is
not valid JSON Schema at all (``schema_problem``, whose answer is kept by the form's
text: every check sends every form, and the meta-schema costs more than the rest).
"""
from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from workflows.errors import DiagramProblem
from workflows.forms.meaning import PREFERENCE_MARKS
from workflows.forms.validation import UnsafePattern, safe_pattern

REFERENCES = ("$ref", "$dynamicRef", "$recursiveRef")
# Keywords whose value is a schema, a list of schemas, or a map of names to schemas.
_ONE = ("additionalProperties", "unevaluatedProperties", "items", "contains", "not", "if", "then", "else",
        "propertyNames", "unevaluatedItems", "additionalItems")
_MANY = ("allOf", "anyOf", "oneOf", "prefixItems")
_NAMED = ("properties", "patternProperties", "dependentSchemas", "$defs", "definitions")


def subschemas(form: dict):
    """Every (schema, field) in a form: the field is the nearest enclosing property name."""
    pending = [(form, None)]
    while pending:
        schema, field = pending.pop()
        if not isinstance(schema, dict):
            continue  # true/false schemas
        yield schema, field
        pending.extend((schema[key], field) for key in _ONE if key in schema)
        pending.extend((inner, field) for key in _MANY if isinstance(schema.get(key), list) for inner in schema[key])
        for key in _NAMED:
            if isinstance(schema.get(key), dict):
                pending.extend((inner, name if key == "properties" else field) for name, inner in schema[key].items())


#: Meta-schema answers kept, by the SHA-256 of a form's text (a check sends every form every time,
#: and checking one against JSON Schema's meta-schema costs more than the rest of the bundle's checks).
_SCHEMA_ANSWERS_KEPT = 512
_schema_answers: OrderedDict[str, tuple[str, str | None] | None] = OrderedDict()
_schema_answers_lock = threading.Lock()


def schema_problem(name: str, text: str, form: dict) -> DiagramProblem | None:
    """Why ``form`` (parsed from ``text``) is not a valid JSON Schema, located at its field; None if it is.

    The answer depends on the text alone, so it is kept for texts seen before."""
    key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    with _schema_answers_lock:
        known = key in _schema_answers
        answer = _schema_answers.get(key)
    if not known:
        try:
            Draft202012Validator.check_schema(form)
            answer = None
        except SchemaError as error:
            path = list(error.absolute_path)
            field = path[1] if len(path) > 1 and path[0] == "properties" and isinstance(path[1], str) else None
            answer = (error.message, field)
        with _schema_answers_lock:
            _schema_answers[key] = answer
            while len(_schema_answers) > _SCHEMA_ANSWERS_KEPT:
                _schema_answers.popitem(last=False)
    if answer is None:
        return None
    message, field = answer
    return DiagramProblem(name, _line_of(text, field) if field else None, field,
                          f"not a valid JSON Schema form: {message}")


def form_problems(name: str, text: str, form: dict) -> list[DiagramProblem]:
    """Every reason this form cannot be deployed (empty if it can)."""
    problems = []
    uses_unevaluated = any("unevaluatedProperties" in schema for schema, _ in subschemas(form))
    for field, prop in (form.get("properties") or {}).items():
        mark = prop.get("x-preference") if isinstance(prop, dict) else None
        if mark is not None and mark not in PREFERENCE_MARKS:
            problems.append(_problem(name, text, "x-preference", field, f"x-preference {mark!r} is not one of "
                                     f"{', '.join(PREFERENCE_MARKS)}"))
    for schema, field in subschemas(form):
        for keyword in REFERENCES:
            if keyword in schema:
                problems.append(_problem(name, text, schema[keyword], field,
                                         f"{keyword} is not supported in forms: write the schema in place"))
        patterns = [schema["pattern"]] if isinstance(schema.get("pattern"), str) else []
        if isinstance(schema.get("patternProperties"), dict):
            patterns += list(schema["patternProperties"])
            if uses_unevaluated:
                problems.append(_problem(name, text, "patternProperties", field, "patternProperties cannot be used "
                                         "together with unevaluatedProperties; use additionalProperties"))
        for pattern in patterns:
            try:
                safe_pattern(pattern)
            except UnsafePattern as error:
                problems.append(_problem(name, text, pattern, field, f"pattern {pattern!r} cannot be used: {error} "
                                         "(patterns run on RE2: no backreferences or lookaround)"))
    return problems


def _problem(name: str, text: str, needle: str, field: str | None, message: str) -> DiagramProblem:
    return DiagramProblem(name, _line_of(text, needle), field, message)


def _line_of(text: str, needle: str) -> int | None:
    """The line where ``needle`` first appears as a JSON string in the form's text, if it does."""
    at = text.find(json.dumps(needle))
    if at < 0:
        at = text.find(json.dumps(needle, ensure_ascii=False))
    return text.count("\n", 0, at) + 1 if at >= 0 else None
