"""What an incident report holds, and how each answer is checked.

The form is a JSON Schema object like a task's form, so the report page draws
it with the same field templates; the checks are ours, because the API and the
page differ: in the API the governance fields (category, harm, support,
escalation, other patients captured, local reference) are optional, so a
client that sends only when, what happened and what was done keeps working;
the page asks for every one of them.
"""
from __future__ import annotations

from datetime import date

from workflows.errors import FieldError, InvalidInput

MAX_TEXT = 5000
MAX_REFERENCE = 100

CATEGORIES = {
    "screen_photo": "A photo or video of the screen or images",
    "filming_staff": "Filming or photographing staff",
    "audio": "Audio recording of the examination or conversation",
    "covert": "Covert recording (found out during or after)",
    "social_media": "Posted on social media",
    "aggression": "Aggression or abuse when asked to stop",
    "other": "Something else",
}
HARMS = {
    "none": "None: no harm to anyone",
    "low": "Low: minor distress, no lasting effect",
    "moderate": "Moderate: distress needing support, or the examination affected",
    "severe": "Severe: lasting harm, threats, or images shared widely",
}
ESCALATIONS = {
    "security": "Security",
    "police": "Police",
    "communications": "Communications (press office)",
    "information_governance": "Information governance",
}

#: The report as a JSON Schema form: rendered by the page, never sent to a workflow.
REPORT_FORM = {
    "type": "object",
    "properties": {
        "occurred_on": {"type": "string", "format": "date", "title": "When it happened"},
        "local_reference": {
            "type": "string", "maxLength": MAX_REFERENCE, "title": "Local incident reference",
            "description": "The number the trust's incident reporting system gave this incident (for example "
                           "Datix or InPhase), so the two records can be matched. Report it there first."},
        "category": {"type": "string", "enum": list(CATEGORIES), "x-enumLabels": CATEGORIES,
                     "title": "What kind of recording was it?"},
        "description": {
            "type": "string", "maxLength": MAX_TEXT, "x-widget": "textarea", "title": "What happened",
            "description": "For example: the examination, what was recorded (screen, staff, conversation) and "
                           "whether permission had been refused. No patient-identifying details."},
        "action_taken": {
            "type": "string", "maxLength": MAX_TEXT, "x-widget": "textarea", "title": "What was done",
            "description": "For example: asked to stop, paused the examination, escalated to the lead, "
                           "recording deleted by the patient."},
        "harm": {"type": "string", "enum": list(HARMS), "x-enumLabels": HARMS, "title": "Harm",
                 "description": "The trust's harm grading, as on the incident system: to the staff member, the "
                                "patient or anyone else."},
        "support_offered": {
            "type": "boolean", "title": "Was the staff member who was recorded offered support?",
            "description": "For example a debrief with the lead, occupational health, or time out."},
        "support_details": {
            "type": "string", "maxLength": MAX_TEXT, "x-widget": "textarea", "title": "What support",
            "description": "What was offered, and by whom (a role, not a name)."},
        "escalated_to": {
            "type": "array", "uniqueItems": True, "items": {"type": "string", "enum": list(ESCALATIONS)},
            "x-enumLabels": ESCALATIONS, "title": "Escalated to",
            "description": "Tick every team told, or \"Not escalated\". Tell information governance when the "
                           "recording may hold other patients' data, or the patient shared it."},
        "other_patients_captured": {
            "type": "boolean", "title": "Could the recording include other patients?",
            "description": "For example people in the waiting area, another patient's images or name on the screen."},
    },
    "allOf": [{"if": {"properties": {"support_offered": {"const": True}}, "required": ["support_offered"]},
               "then": {"required": ["support_details"]}}],
}
#: Today's fields: required in the API as on the page.
REQUIRED = ("occurred_on", "description", "action_taken")
#: The governance fields: optional in the API, required on the page.
ON_THE_PAGE = ("local_reference", "category", "harm", "support_offered", "escalated_to", "other_patients_captured")
FIELDS = tuple(REPORT_FORM["properties"])


def label(name: str) -> str:
    return REPORT_FORM["properties"][name]["title"]


def checked(values: dict, today: date, complete: bool = False) -> dict:
    """The report's fields, or InvalidInput naming each that is missing or wrong.

    ``complete``: every field is required (the page); otherwise only today's three
    (the API). ``support_details`` is required once support was offered, either way.
    """
    errors, clean = [], {}

    def problem(name: str, message: str) -> None:
        errors.append(FieldError(name, message))

    for name in FIELDS:
        value = values.get(name)
        missing = value is None or (isinstance(value, str) and not value.strip())
        needed = name in REQUIRED or (complete and name in ON_THE_PAGE) or (
            name == "support_details" and clean.get("support_offered") is True)
        if missing:
            if needed:
                problem(name, f"{label(name)} is required." if name != "escalated_to"
                        else "Escalated to is required: tick each team told, or say it was not escalated.")
            elif name == "escalated_to":
                clean[name] = []
            continue
        prop = REPORT_FORM["properties"][name]
        if name == "occurred_on":
            try:
                value = date.fromisoformat(value.strip()) if isinstance(value, str) else None
            except ValueError:
                value = None
            if value is None:
                problem(name, f"{label(name)} must be a date (YYYY-MM-DD).")
            elif value > today:
                problem(name, f"{label(name)} cannot be in the future.")
            else:
                clean[name] = value
        elif prop["type"] == "boolean":
            if isinstance(value, bool):
                clean[name] = value
            else:
                problem(name, f"{label(name)}: answer yes or no (true or false).")
        elif prop["type"] == "array":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problem(name, f"{label(name)} must be a list of: {', '.join(ESCALATIONS)}.")
            elif unknown := [v for v in value if v not in ESCALATIONS]:
                problem(name, f"{label(name)}: {', '.join(unknown)} is not one of {', '.join(ESCALATIONS)}.")
            else:
                clean[name] = [v for v in ESCALATIONS if v in value]
        elif not isinstance(value, str):
            problem(name, f"{label(name)} is required." if name in REQUIRED else f"{label(name)} must be text.")
        elif "enum" in prop and value not in prop["enum"]:
            problem(name, f"{label(name)} must be one of: {', '.join(prop['enum'])}.")
        elif len(value.strip()) > prop.get("maxLength", MAX_TEXT):
            problem(name, f"{label(name)} must be at most {prop['maxLength']} characters long.")
        else:
            clean[name] = value.strip()
    if errors:
        raise InvalidInput(errors)
    return clean


def from_html(form) -> dict:
    """A submitted HTML form as the report's values: yes/no radios as booleans, ticked boxes as a list.

    The page's "Not escalated" box makes no ticks an answer (an empty list), so the
    page can require the question without forcing a team to be ticked."""
    values: dict = {name: form.get(name, "") for name in FIELDS if REPORT_FORM["properties"][name]["type"] == "string"}
    for name in ("support_offered", "other_patients_captured"):
        values[name] = {"true": True, "false": False}.get(form.get(name, ""))
    ticked = form.getlist("escalated_to")
    values["escalated_to"] = ticked if ticked or form.get("not_escalated") else None
    return values
