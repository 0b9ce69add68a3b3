"""What a form's fields mean, read from the form itself.

A field's meaning is declared in its JSON Schema (``"x-role"``: outcome, comments,
likelihood, …), so pages, the timeline and the publication never know field names.
Conditional fields are read from the form's ``allOf``/``if``/``then`` rules: a
field that a rule's ``then`` names (required, or only constrained) "applies" only
when another field has certain values — or, for a multi-select, includes one of
them (``contains``) — and the page hides it otherwise and the public document
leaves it out.
"""
from __future__ import annotations

import copy
from datetime import date


def props(form: dict) -> dict:
    return form.get("properties", {}) if isinstance(form, dict) else {}


def with_role(form: dict, role: str) -> list[str]:
    """The fields whose ``x-role`` is ``role``, in form order."""
    return [name for name, prop in props(form).items() if prop.get("x-role") == role]


def first_with_role(form: dict, role: str) -> str | None:
    found = with_role(form, role)
    return found[0] if found else None


def approving_values(prop: dict) -> list:
    """The answers of an outcome field that approve (``"x-approvedWhen"``: one value, or a list
    such as a committee's "approved" and "approved with amendments")."""
    wanted = prop.get("x-approvedWhen") if isinstance(prop, dict) else None
    return list(wanted) if isinstance(wanted, list) else [] if wanted is None else [wanted]


def approves(prop: dict, value) -> bool:
    return value is not None and value in approving_values(prop)


def briefing_requested(form: dict, answers: dict) -> bool:
    """Whether the answers ask for a briefing instead of acknowledging: a field marked
    ``"x-briefingWhen"`` holds that value (the task then stays open; its manager is told)."""
    return any("x-briefingWhen" in prop and name in answers and answers[name] == prop["x-briefingWhen"]
               and type(answers[name]) is type(prop["x-briefingWhen"]) for name, prop in props(form).items())


def label(form: dict, name: str) -> str:
    return props(form).get(name, {}).get("title") or name.replace("_", " ").capitalize()


def display(prop: dict | None, value) -> str | list[str]:
    """A stored value as a person reads it: enum labels, yes/no, lists as lists."""
    prop = prop or {}
    labels = prop.get("x-enumLabels") or prop.get("items", {}).get("x-enumLabels") or {}
    if isinstance(value, list):
        return [str(labels.get(str(v), v)) for v in value]
    if isinstance(value, bool):
        return str(labels.get("true" if value else "false", "Yes" if value else "No"))
    if prop.get("format") == "date" and isinstance(value, str):
        return day_text(value) or value
    return str(labels.get(str(value), value))


def day_text(text) -> str | None:
    """A stored ISO day as every page writes one ("01 Oct 2026", not 2026-10-01); None if it is none."""
    try:
        return f"{date.fromisoformat(text):%d %b %Y}"
    except (TypeError, ValueError):
        return None


def conditions(form: dict) -> dict[str, list[dict[str, list]]]:
    """{field: [condition, …]} for fields named only under ``allOf``/``if``/``then`` rules.

    Each condition maps a field to the values that make the rule apply (``const`` or
    ``enum`` in the ``if``, directly or under ``contains`` for a multi-select); a field
    applies when any of its conditions holds. A rule written in a shape not understood
    here leaves its fields always applying.
    """
    always = set(form.get("required", []))
    found: dict[str, list[dict[str, list]]] = {}
    unconditional: set[str] = set()
    for rule in form.get("allOf", []):
        if not isinstance(rule, dict) or "if" not in rule:
            continue
        condition = _condition(rule["if"])
        then = rule.get("then", {}) if isinstance(rule.get("then"), dict) else {}
        named = list(then.get("required", [])) + [name for name in then.get("properties", {})
                                                    if name not in then.get("required", [])]
        for name in named:
            if name in always:
                continue
            if condition is None:
                unconditional.add(name)
            else:
                found.setdefault(name, []).append(condition)
    return {name: rules for name, rules in found.items() if name not in unconditional}


def _condition(clause) -> dict[str, list] | None:
    if not isinstance(clause, dict) or set(clause) - {"properties", "required"}:
        return None
    condition = {}
    for name, rule in clause.get("properties", {}).items():
        if isinstance(rule, dict) and set(rule) == {"contains"}:
            rule = rule["contains"]  # a multi-select that includes one of the values
        if isinstance(rule, dict) and "const" in rule and len(rule) == 1:
            condition[name] = [rule["const"]]
        elif isinstance(rule, dict) and isinstance(rule.get("enum"), list) and len(rule) == 1:
            condition[name] = list(rule["enum"])
        else:
            return None
    return condition or None


def applies(form: dict, name: str, answers: dict) -> bool:
    """Whether a field applies to these answers (always, unless it is conditional)."""
    rules = conditions(form).get(name)
    if not rules:
        return True
    return any(all(_matches(answers.get(field), values) for field, values in rule.items()) for rule in rules)


def _matches(answer, values: list) -> bool:
    if isinstance(answer, list):  # a multi-select: any chosen value will do
        return any(chosen in values for chosen in answer)
    return answer in values


def starting_answers(form: dict, prefill: dict | None) -> dict:
    """What a form starts with: the stored starting answers that are fields of this form
    (minus those marked ``"x-startsEmpty": true``), then the schema's defaults."""
    fields = props(form)
    values = {name: copy.deepcopy(value) for name, value in (prefill or {}).items()
              if name in fields and not fields[name].get("x-startsEmpty")}
    for name, prop in fields.items():
        if name not in values and "default" in prop:
            values[name] = copy.deepcopy(prop["default"])
    return values


#: ``"x-preference"`` marks a field that reads and writes the person's standing recording
#: preference (workflows/people/recording_preferences.py): one kind of recording, their
#: conditions, or ``all`` (one answer for every kind the form does not ask about separately).
PREFERENCE_MARKS = ("screen_photos", "video", "audio", "conditions", "all")


def preference_fields(form: dict) -> dict[str, str]:
    """Field name → its ``x-preference`` mark, in form order."""
    return {name: prop["x-preference"] for name, prop in props(form).items()
            if prop.get("x-preference") in PREFERENCE_MARKS}
