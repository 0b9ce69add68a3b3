"""JSON Schema task forms: turn submitted values into data and explain what is wrong.

The same schema drives the HTML form, the API and validation. HTML posts only
strings, so ``coerce_html_form`` turns them into the schema's types first; the
API sends JSON and is validated as it is.

Forms come from untrusted diagrams, and their ``pattern``s run on what anyone
submits. Python's ``re`` backtracks: ``^(a+)+$`` against 27 characters took
seconds, doubling with each one. So every regular expression of a form (``pattern``,
``patternProperties``, ``format: regex``) runs on RE2, which matches in linear
time and refuses what it cannot do that way (backreferences, lookaround) — a
refusal deploy reports before any policy meets it (see ``form_checks``).
"""
from __future__ import annotations

import json
from functools import lru_cache

import re2
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError

from workflows.errors import FieldError, InvalidInput

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a refused pattern is reported to the designer, not logged to stderr


class UnsafePattern(ValueError):
    """A form's regular expression that RE2 cannot run; the message says why."""


@lru_cache(maxsize=1024)
def safe_pattern(pattern: str):
    """``pattern`` compiled by RE2, or UnsafePattern."""
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as error:
        reason = error.args[0].decode(errors="replace") if error.args and isinstance(error.args[0], bytes) else str(error)
        raise UnsafePattern(reason) from None


def _matches(pattern: str, text: str) -> bool:
    """JSON Schema's pattern semantics (a search, not anchored) in linear time."""
    return safe_pattern(pattern).search(text) is not None


def _pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not _matches(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator, patterns, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for name, value in instance.items():
            if _matches(pattern, name):
                yield from validator.descend(value, subschema, path=name, schema_path=pattern)


def _additional_properties(validator, allowed, instance, schema):
    """jsonschema's own version matches ``patternProperties`` with ``re``; this one with RE2."""
    if not validator.is_type(instance, "object"):
        return
    known, patterns = schema.get("properties", {}), list(schema.get("patternProperties", {}))
    extras = sorted(name for name in instance
                    if name not in known and not any(_matches(p, name) for p in patterns))
    if validator.is_type(allowed, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], allowed, path=extra)
    elif not allowed and extras:
        yield ValidationError(f"Additional properties are not allowed ({', '.join(map(repr, extras))} unexpected)")


FormValidator = validators.extend(Draft202012Validator, {
    "pattern": _pattern, "patternProperties": _pattern_properties, "additionalProperties": _additional_properties})
_FORMATS = FormatChecker()


@_FORMATS.checks("regex", raises=UnsafePattern)
def _is_safe_regex(instance) -> bool:
    return not isinstance(instance, str) or bool(safe_pattern(instance))


@lru_cache(maxsize=256)
def _validator(schema_json: str) -> Draft202012Validator:
    return FormValidator(json.loads(schema_json), format_checker=_FORMATS)


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
        known, patterns = error.schema.get("properties", {}), list(error.schema.get("patternProperties", {}))
        extra = sorted(name for name in error.instance
                       if name not in known and not any(_matches(p, name) for p in patterns))
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


def _unstorable(text: str) -> str | None:
    """Why ``text`` cannot be stored, if it cannot: PostgreSQL text holds no NUL, and no
    database (nor UTF-8) holds a lone UTF-16 surrogate, which JSON's ``\\ud800`` can smuggle in."""
    if "\x00" in text:
        return "a NUL character (U+0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"a lone surrogate (U+{ord(text[error.start]):04X}), which is not a character"
    return None


def unstorable_text(value, label=lambda name: name) -> list[FieldError]:
    """One error per field whose text (at any depth, names included) cannot be stored.

    The field is the nearest enclosing object key, so ``{"data": {"comments": …}}`` names
    ``comments`` as the form does. ``label`` turns a field name into what the person saw.
    """
    errors: dict[str | None, FieldError] = {}
    pending = [(value, None)]
    while pending:
        item, field = pending.pop()
        if isinstance(item, str):
            reason = _unstorable(item)
            if reason and field not in errors:
                errors[field] = FieldError(field, f"{label(field) if field else 'The text'} contains {reason}, "
                                                  "which cannot be stored; remove it and send it again.")
        elif isinstance(item, dict):
            for name, inner in item.items():
                reason = _unstorable(name) if isinstance(name, str) else None
                if reason and field not in errors:
                    errors[field] = FieldError(field, f"A field name contains {reason}; "
                                                      "field names must be plain text.")
                elif not reason:
                    pending.append((inner, name))
        elif isinstance(item, list):
            pending.extend((inner, field) for inner in item)
    return list(errors.values())


def json_depth(value, limit: int) -> int:
    """How deeply arrays and objects nest in ``value``, counted without recursion and
    without looking further down than ``limit + 1`` levels (enough to tell "too deep")."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if depth <= limit:
                pending.extend((inner, depth + 1) for inner in (item.values() if isinstance(item, dict) else item))
    return deepest


def validate(schema: dict, data: object) -> dict:
    """Return ``data`` if it satisfies the form; raise InvalidInput naming each wrong field."""
    if not isinstance(data, dict):
        raise InvalidInput([FieldError(None, "The form data must be a JSON object of field names and values.")])
    unstorable = unstorable_text(data, lambda name: field_label(schema, name))
    if unstorable:
        raise InvalidInput(unstorable)
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
