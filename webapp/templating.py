"""Template helpers: dates, labels, and JSON Schema fields as HTML widgets."""
from __future__ import annotations

from datetime import date, datetime

from flask_login import current_user

from workflows.dashboard import ROLES as DASHBOARD_ROLES
from workflows.status import LABELS, PolicyStatus

LANE_LABELS = {"manager": "Manager", "staff": "Staff", "patient_liaison": "Patient liaison",
               "employer": "Employer (risk management)", "insurer": "Insurer"}
RADIO_LIMIT = 6


def when(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%d %b %Y, %H:%M UTC")
    if isinstance(value, date):
        return value.strftime("%d %b %Y")
    return "" if value is None else str(value)


def day(value) -> str:
    """A date (or the date of a moment) as people write it: 12 Dec 2026."""
    if isinstance(value, (datetime, date)):
        return value.strftime("%d %b %Y")
    return "" if value is None else str(value)


def widget(prop: dict) -> str:
    """Which HTML control a JSON Schema property becomes."""
    kind = prop.get("type")
    if kind == "array":
        return "checkboxes"
    if kind == "boolean":
        return "checkbox"
    if "enum" in prop or (kind == "integer" and prop.get("x-enumLabels")):
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
    """(value, label) pairs for enums, multi-selects and labelled integers."""
    source = prop.get("items", prop)
    labels = prop.get("x-enumLabels") or source.get("x-enumLabels") or {}
    values = source.get("enum") or list(labels)
    return [(str(v), str(labels.get(str(v), str(v).replace("_", " ").capitalize()))) for v in values]


def is_selected(values, name: str, option: str) -> bool:
    value = values.get(name)
    if isinstance(value, list):
        return option in [str(v) for v in value]
    return value is not None and str(value) == option


def init_app(app) -> None:
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["lane_label"] = lambda lane: LANE_LABELS.get(lane, lane or "")
    app.jinja_env.filters["status_label"] = lambda s: LABELS.get(PolicyStatus(s), s) if s in set(PolicyStatus) else s
    app.jinja_env.globals.update(widget=widget, options=options, is_selected=is_selected,
                                 uses_dashboard=lambda actor: bool(DASHBOARD_ROLES & actor.roles))

    @app.context_processor
    def _people():
        actor = current_user.actor if current_user.is_authenticated else None
        return {"actor": actor}
