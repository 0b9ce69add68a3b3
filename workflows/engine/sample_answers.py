"""Answers the dry run gives a form: one valid set, and variants that change one choice.

A base answer takes each field's default, else the approving value of an outcome
(``x-approvedWhen``), else the first choice, and fills what the form requires.
Variants change one enum or yes/no field that the diagram's code reads (only those
can change the route); numeric scales try their lowest and highest values. Every
answer set is checked against the form and the answer rules as a person's would be,
and repaired from the checker's own complaints (a required field, a constant, a
minimum length); a form that cannot be satisfied is reported by the dry run.
"""
from __future__ import annotations

import copy
from datetime import date

from jsonschema import Draft202012Validator, FormatChecker

from workflows.errors import InvalidInput
from workflows.forms import answer_rules
from workflows.forms import meaning as form_meaning

MAX_REPAIRS = 6


def _choices(prop: dict) -> list:
    if prop.get("type") == "boolean":
        return [True, False]
    if "enum" in prop:
        return list(prop["enum"])
    if prop.get("type") == "integer" and prop.get("x-enumLabels"):
        return [int(v) for v in prop["x-enumLabels"] if str(v).lstrip("-").isdigit()]
    if prop.get("type") == "integer" and "minimum" in prop and "maximum" in prop:
        return [prop["minimum"], prop["maximum"]]
    return []


def _filler(prop: dict, today: date):
    if "default" in prop:
        return copy.deepcopy(prop["default"])
    if "const" in prop:
        return copy.deepcopy(prop["const"])
    if "x-approvedWhen" in prop:
        return form_meaning.approving_values(prop)[0]
    choices = _choices(prop)
    kind = prop.get("type")
    if kind == "array":
        options = _choices(prop.get("items", {}))
        return options[:max(1, prop.get("minItems", 1))] if options else []
    if choices:
        return choices[0]
    if kind in ("integer", "number"):
        return prop.get("minimum", 1)
    if kind == "boolean":
        return True
    if prop.get("format") == "date":
        return today.isoformat()
    return "Dry run answer." + "." * max(0, prop.get("minLength", 0) - 15)


def _repair(form: dict, answers: dict, today: date) -> list[str]:
    """Fix what the validator complains about; the complaints it could not fix."""
    left = []
    props = form.get("properties", {})
    for error in Draft202012Validator(form, format_checker=FormatChecker()).iter_errors(answers):
        name = error.path[0] if error.path else None
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else None
            if missing in props:
                answers[missing] = _filler(props[missing], today)
                continue
        elif name in props and error.validator == "const":
            answers[name] = copy.deepcopy(error.validator_value)
            continue
        elif name in props and error.validator == "minLength" and isinstance(answers.get(name), str):
            answers[name] = answers[name].ljust(error.validator_value, ".")
            continue
        elif name in props and error.validator in ("enum", "type", "format", "minimum", "maximum"):
            answers[name] = _filler({k: v for k, v in props[name].items() if k != "default"}, today)
            continue
        left.append(error.message)
    return left


def valid(form: dict, answers: dict, today: date) -> dict:
    """``answers`` made valid for ``form``, or InvalidInput saying why it cannot be."""
    answers = copy.deepcopy(answers)
    for _ in range(MAX_REPAIRS):
        if not _repair(form, answers, today):
            break
    return answer_rules.checked(form, answers, today)


def base_answers(form: dict, today: date) -> dict:
    props = form.get("properties", {})
    answers = {name: _filler(prop, today) for name, prop in props.items() if name in form.get("required", [])
               or "x-approvedWhen" in prop or _choices(prop)}
    return valid(form, answers, today)


def variants(form: dict, read_fields: frozenset[str], today: date) -> list[tuple[str, dict]]:
    """(what was chosen, answers) for the base answers and each one-choice change code could notice."""
    base = base_answers(form, today)
    found, seen = [("", base)], [base]
    for name, prop in form.get("properties", {}).items():
        if name not in read_fields:
            continue
        choices = _choices(prop)
        if prop.get("type") == "integer" and choices:
            choices = sorted({min(choices), max(choices)})
        for choice in choices:
            if choice == base.get(name):
                continue
            try:
                answers = valid(form, {**base, name: choice}, today)
            except InvalidInput:
                continue
            if answers.get(name) == choice and answers not in seen:
                seen.append(answers)
                found.append((f"{name}={choice}", answers))
    return found
