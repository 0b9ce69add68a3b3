"""Template helpers: dates, labels, and JSON Schema fields as HTML widgets."""
from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime

from flask_login import current_user

from workflows.forms import meaning as form_meaning
from workflows.policies.dashboard import ROLES as DASHBOARD_ROLES
from workflows.policies.document_control import label_of
from workflows.policies.status import LABELS, PolicyStatus

LANE_LABELS = {"manager": "Manager", "staff": "Staff", "patient_liaison": "Patient liaison",
               "employer": "Employer (risk management)", "insurer": "Insurer", "equality_lead": "Equality lead",
               "information_governance": "Information governance", "committee": "Ratifying committee"}
RADIO_LIMIT = 6


def when(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%d %b %Y, %H:%M UTC")
    if isinstance(value, date):
        return value.strftime("%d %b %Y")
    return "" if value is None else str(value)


def day(value) -> str:
    """A date as people write it (12 Dec 2026): a date, the date of a moment, or an ISO date as stored in JSON."""
    if isinstance(value, (datetime, date)):
        return value.strftime("%d %b %Y")
    try:
        return when(date.fromisoformat(value)) if isinstance(value, str) else ("" if value is None else str(value))
    except ValueError:
        return value


def widget(prop: dict) -> str:
    """Which HTML control a JSON Schema property becomes.

    A yes/no question is two radios, so "no" is an answer like "yes" (a ticked box
    cannot tell "no" from "not answered"); only a confirmation the form marks
    ``"x-widget": "checkbox"`` is a single box to tick.
    """
    kind = prop.get("type")
    if kind == "array":
        return "checkboxes"
    if kind == "boolean":
        return "checkbox" if prop.get("x-widget") == "checkbox" else "radios"
    if "enum" in prop or (kind == "integer" and prop.get("x-enumLabels")):
        if prop.get("x-widget") == "select":  # a list the form asks for (Camunda Forms' select)
            return "select"
        options = prop.get("enum") or list(prop.get("x-enumLabels", {}))
        return "radios" if len(options) <= RADIO_LIMIT else "select"
    if kind in ("integer", "number"):
        return "number"
    if prop.get("format") == "date":
        return "date"
    if prop.get("x-widget") == "textarea":
        return "textarea"
    return "text"


def options(prop: dict) -> list[tuple[str, str]]:
    """(value, label) pairs for enums, multi-selects, labelled integers and yes/no questions."""
    if prop.get("type") == "boolean":  # "x-enumLabels" may name the two answers ("true"/"false")
        labels = prop.get("x-enumLabels") or {}
        return [("true", str(labels.get("true", "Yes"))), ("false", str(labels.get("false", "No")))]
    source = prop.get("items", prop)
    labels = prop.get("x-enumLabels") or source.get("x-enumLabels") or {}
    values = source.get("enum") or list(labels)
    return [(str(v), str(labels.get(str(v), str(v).replace("_", " ").capitalize()))) for v in values]


def is_selected(values, name: str, option: str) -> bool:
    value = values.get(name)
    if isinstance(value, list):
        return option in [str(v) for v in value]
    if isinstance(value, bool):
        return option == ("true" if value else "false")
    return value is not None and str(value) == option


def show_when(form: dict, name: str) -> str | None:
    """JSON for ``data-show-when``: the answers under which a conditional field applies
    (the page script hides it otherwise; without the script every field shows)."""
    prop = form_meaning.props(form).get(name, {})
    rules = form_meaning.conditions(form).get(name)
    if not rules or prop.get("x-keepVisible"):
        return None
    return json.dumps([{field: [_option(v) for v in values] for field, values in rule.items()} for rule in rules])


def rules_json(rules) -> str:
    """The risk rating table's rows as JSON, for the page script's provisional rating."""
    return json.dumps([asdict(rule) for rule in rules])


def _option(value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def form_layout(form: dict) -> list[dict]:
    """The form's fields in order, those scoring one risk (``"x-risk"``) gathered into one group."""
    layout: list[dict] = []
    for name, prop in form_meaning.props(form).items():
        risk = prop.get("x-risk")
        if risk and layout and layout[-1].get("risk") == risk:
            layout[-1]["fields"].append(name)
        elif risk:
            layout.append({"risk": risk, "fields": [name]})
        else:
            layout.append({"risk": None, "fields": [name]})
    for group in layout:
        roles = {form_meaning.props(form)[n].get("x-role"): n for n in group["fields"]}
        group["likelihood"], group["impact"] = roles.get("likelihood"), roles.get("impact")
    return layout


def risk_score(values: dict, group: dict) -> int | None:
    likelihood, impact = values.get(group.get("likelihood")), values.get(group.get("impact"))
    return likelihood * impact if isinstance(likelihood, int) and isinstance(impact, int) else None


def rating_for(rules, score: int | None):
    """The rating-table row a highest score falls in (None when unknown); the table decides on submit."""
    if score is None:
        return None
    for rule in rules:
        if rule.lowest is None and rule.below is None:
            continue
        if (rule.lowest is None or score >= rule.lowest) and (rule.below is None or score < rule.below):
            return rule
    return None


def init_app(app) -> None:
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["version_label"] = lambda version: label_of(version.content, version.number)
    app.jinja_env.filters["lane_label"] = lambda lane: LANE_LABELS.get(lane, lane or "")
    app.jinja_env.filters["status_label"] = lambda s: LABELS.get(PolicyStatus(s), s) if s in set(PolicyStatus) else s
    app.jinja_env.globals.update(widget=widget, options=options, is_selected=is_selected, show_when=show_when,
                                 form_layout=form_layout, risk_score=risk_score, rating_for=rating_for,
                                 rules_json=rules_json, uses_dashboard=lambda actor: bool(DASHBOARD_ROLES & actor.roles))

    @app.context_processor
    def _people():
        actor = current_user.actor if current_user.is_authenticated else None
        return {"actor": actor}
