"""Checks on answers that a JSON Schema cannot express, reported with the schema's own.

A form is checked in one go: every schema problem and every rule below, each
against its field, so a person fixes everything in one round. The rules read
what a field means from the form (``x-role``), not its name:

- an ``effective-date`` may not be before today unless the form's
  ``past-date-reason`` field says why;
- a date marked ``"x-notInFuture": true`` (a meeting held, an assessment done)
  may not be after today;
- ``"x-contradicts": {value: [other value, …]}`` on a field: answering it ``value``
  contradicts any other field of the form answered one of those values (an equality
  assessment's "no impact found" beside an impact recorded as negative).
"""
from __future__ import annotations

from datetime import date

from workflows.errors import FieldError, InvalidInput
from workflows.forms import validation as forms
from workflows.forms.meaning import display, first_with_role, label, props, with_role


def checked(schema: dict, answers: object, today: date) -> dict:
    """``answers`` if they satisfy the form and the rules; else InvalidInput listing every problem."""
    problems: list[FieldError] = []
    try:
        forms.validate(schema, answers)
    except InvalidInput as error:
        problems = list(error.errors)
    if isinstance(answers, dict):
        named = {problem.field for problem in problems}
        problems += [p for p in date_problems(schema, answers, today) + contradictions(schema, answers)
                     if p.field not in named]
    if problems:
        order = list(schema.get("properties", {}))
        problems.sort(key=lambda e: order.index(e.field) if e.field in order else len(order))
        raise InvalidInput(problems)
    return answers


def date_problems(schema: dict, answers: dict, today: date) -> list[FieldError]:
    problems = []
    reason_field = first_with_role(schema, "past-date-reason")
    reason_given = any(str(answers.get(name) or "").strip() for name in with_role(schema, "past-date-reason"))
    for name in with_role(schema, "effective-date"):
        try:
            day = date.fromisoformat(answers.get(name))
        except (TypeError, ValueError):
            continue  # a missing or malformed date is the schema's to report
        if day < today and not reason_given:
            how = f", or say why in “{label(schema, reason_field)}”" if reason_field else ""
            problems.append(FieldError(name, f"{label(schema, name)} ({day:%d %b %Y}) is before today "
                                             f"({today:%d %b %Y}): choose today or a later date{how}."))
    for name, prop in schema.get("properties", {}).items():
        day = _date(answers.get(name)) if isinstance(prop, dict) and prop.get("x-notInFuture") else None
        if day is not None and day > today:
            problems.append(FieldError(name, f"{label(schema, name)} ({day:%d %b %Y}) is in the future: "
                                             f"give the day it happened, today ({today:%d %b %Y}) at the latest."))
    return problems


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None  # a missing or malformed date is the schema's to report


def contradictions(schema: dict, answers: dict) -> list[FieldError]:
    """Each field marked ``x-contradicts`` whose answer the form's other answers contradict."""
    problems = []
    fields = props(schema)
    for name, prop in fields.items():
        against = (prop.get("x-contradicts") or {}).get(str(answers.get(name))) if isinstance(prop, dict) else None
        if not against or name not in answers:
            continue
        found = [other for other, value in answers.items()
                 if other != name and not isinstance(value, (list, dict)) and value in against]
        if found:
            given = display(prop, answers[name])
            others = ", ".join(f"{label(schema, other)} ({display(fields.get(other), answers[other])})"
                               for other in found)
            problems.append(FieldError(name, f"{label(schema, name)}: “{given}” does not fit the answers above: "
                                             f"{others}. Change this answer, or those."))
    return problems
