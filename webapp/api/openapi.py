"""The OpenAPI 3 description of the API, kept beside the routes it describes."""
from __future__ import annotations

from webapp.api import openapi_designer
from webapp.plumbing.converters import LARGEST_ID
from workflows.operations import idempotency


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERROR_TEXT = {401: "Missing, unknown, expired or revoked token", 403: "Not the caller's to do", 404: "No such thing",
               409: "No longer possible (already completed or changed meanwhile)", 422: "Invalid input, per field"}


def _errors(*codes: int) -> dict:
    return {str(code): _json(_ref("Errors"), _ERROR_TEXT[code]) for code in codes}


#: The calls that create or complete something take it (webapp/operations/idempotency.py).
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": f"Any text of 1 to {idempotency.MAX_KEY} characters, new for each call. A repeat with the same key "
                   f"and body within {idempotency.KEPT.total_seconds() / 3600:.0f} hours (after a timeout, a 503 or "
                   "a dropped connection) answers as the first call did, status and body, without acting again; "
                   "the same key with another body is refused (422). Keys belong to the token that sent them.",
    "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_KEY}}
_REPLAYED = {"Idempotent-Replayed": {"description": "true when this is the first answer to an earlier call with the "
                                                    "same Idempotency-Key, given again",
                                     "schema": {"type": "string", "enum": ["true"]}}}


def _idempotent(operation: dict) -> dict:
    """``operation`` taking ``Idempotency-Key``: the header, the refusals it adds, and the mark of a
    repeat's answer (every answer is kept but a 401)."""
    responses = dict(operation["responses"])
    added = {"409": "a call with the same Idempotency-Key is still being answered (try again in a moment)",
             "422": f"an Idempotency-Key that is not 1 to {idempotency.MAX_KEY} characters, or was used for a "
                    "different call"}
    for status, text in added.items():
        before = responses[status]["description"] + "; or " if status in responses else ""
        responses[status] = _json(_ref("Errors"), before + (text if before else text[0].upper() + text[1:]))
    responses = {status: answer if status == "401" else {**answer, "headers": {**answer.get("headers", {}),
                                                                                **_REPLAYED}}
                 for status, answer in responses.items()}
    return {**operation, "parameters": [*operation.get("parameters", []), IDEMPOTENCY_KEY], "responses": responses}


def _id_param(name: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema}


# What the address converters accept (webapp/plumbing/converters.py); anything else is a 404.
POLICY_ID = {"type": "integer", "minimum": 1, "maximum": LARGEST_ID}
TASK_ID = {"type": "string", "format": "uuid"}


def _nullable(schema: dict) -> dict:
    return {"oneOf": [schema, {"type": "null"}]}


_TEXT_OR_LIST = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
_STRING, _NULL_STRING, _TIME = {"type": "string"}, {"type": ["string", "null"]}, {"type": "string", "format": "date-time"}


def _object(required: list[str], properties: dict, description: str | None = None) -> dict:
    schema = {"type": "object", "required": required, "properties": properties}
    return {**schema, "description": description} if description else schema

# What a governance lead acts on (workflows/policies/incident_form.py): optional when reporting.
_INCIDENT_GOVERNANCE = {
    "local_reference": {"type": "string", "maxLength": 100, "description": "The trust's incident system number"},
    "category": {"type": "string", "enum": ["screen_photo", "filming_staff", "audio", "covert", "social_media",
                                            "aggression", "other"]},
    "harm": {"type": "string", "enum": ["none", "low", "moderate", "severe"]},
    "support_offered": {"type": "boolean", "description": "Whether the staff member recorded was offered support"},
    "support_details": {"type": "string", "maxLength": 5000,
                        "description": "What support was offered; required when support_offered is true"},
    "escalated_to": {"type": "array", "uniqueItems": True, "items": {
        "type": "string", "enum": ["security", "police", "communications", "information_governance"]}},
    "other_patients_captured": {"type": "boolean"},
}

#: A policy's risk ratings (NPSA bands: low, moderate, high, extreme) and its published version's label.
RATINGS = {
    "risk_rating": {"type": ["string", "null"],
                    "description": "The residual rating of the latest risk assessment (the initial one until the "
                                   "risks are reassessed after the consultations)"},
    "risk_rating_initial": {"type": ["string", "null"],
                            "description": "The latest assessment's rating before mitigations"},
    "published_version": {"type": ["string", "null"],
                          "description": "The latest published version: \"1\", \"1.1\" (reviewed without change), \"2\""},
    "early_review_reason": {"type": ["string", "null"],
                            "description": "Why an early review opened by itself (incidents, new guidance)"},
}
#: What a task page shows beside its form (``GET /tasks/{id}`` as ``"context"``).
EVIDENCE_SCHEMAS = {
    "Detail": _object(["label", "value"], {"label": _STRING, "value": _TEXT_OR_LIST, "name": _NULL_STRING}),
    "Decision": _object(["title", "lifecycle_step", "by", "at", "outcome", "approved", "comments"], {
        "title": _STRING, "lifecycle_step": _STRING, "lane": _NULL_STRING, "by": _STRING, "at": _TIME,
        "outcome": _NULL_STRING, "approved": {"type": "boolean"}, "comments": {"type": "array", "items": _STRING},
        "answers": {"type": "array", "items": _ref("Detail"),
                    "description": "The form's other answers that apply, labelled (an equality assessment's "
                                   "impacts and adjustments, the data-protection position)"}},
        "A sign-off or review decision, with who took it and why"),
    "FieldChange": _object(["field", "label", "change", "before", "after", "pieces"], {
        "field": _STRING, "label": _STRING, "change": {"type": "string", "enum": ["changed", "added", "removed"]},
        "before": {"oneOf": [*_TEXT_OR_LIST["oneOf"], {"type": "null"}]},
        "after": {"oneOf": [*_TEXT_OR_LIST["oneOf"], {"type": "null"}]},
        "pieces": {"type": "array", "description": "The changed text word by word", "items": _object(
            ["kind", "text"], {"kind": {"type": "string", "enum": ["same", "added", "removed"]}, "text": _STRING})}}),
    "DraftChanges": _object(["since", "number", "fields"], {
        "since": {"type": "integer"}, "since_title": _STRING, "since_at": _TIME, "number": {"type": "integer"},
        "title": _STRING, "by": _STRING, "at": _TIME, "fields": {"type": "array", "items": _ref("FieldChange")}},
        "What the latest draft round changed since the round before"),
    "Risk": _object(["name", "likelihood", "impact", "score"], {
        "name": _STRING, "likelihood": {"type": ["integer", "null"]}, "likelihood_label": _NULL_STRING,
        "impact": {"type": ["integer", "null"]}, "impact_label": _NULL_STRING, "score": {"type": ["integer", "null"]},
        "mitigations": _NULL_STRING, "details": {"type": "array", "items": _ref("Detail")},
        "residual_likelihood": {"type": ["integer", "null"]}, "residual_impact": {"type": ["integer", "null"]},
        "residual_score": {"type": ["integer", "null"], "description": "After the mitigations"},
        "owner": _NULL_STRING}),
    "RiskAssessment": _object(["risks", "rating", "highest_score", "scale"], {
        "risks": {"type": "array", "items": _ref("Risk")}, "rationale": _NULL_STRING,
        "other": {"type": "array", "items": _ref("Detail")}, "rating": _NULL_STRING,
        "highest_score": {"type": ["integer", "null"]}, "highest_risks": {"type": "array", "items": _STRING},
        "initial_rating": _NULL_STRING, "initial_highest_score": {"type": ["integer", "null"]},
        "residual_highest_score": {"type": ["integer", "null"]},
        "scale": {"type": "array", "description": "The risk rating table's rows; `applies` marks the one that gave the rating",
                  "items": _object(["rating", "description", "applies"], {
                      "rating": _STRING, "description": _STRING, "applies": {"type": "boolean"}})}}),
    "Consultation": _object(["staff_responses", "staff_views", "staff_comments", "liaison"], {
        "staff_responses": {"type": "integer"},
        "staff_views": {"type": "array", "items": _object(["label", "count"], {
            "label": _STRING, "count": {"type": "integer"}})},
        "staff_comments": {"type": "array", "items": _STRING, "description": "Without names, in no particular order"},
        "liaison": {"type": "array", "items": _ref("Detail")},
        "no_response": {"type": "integer", "description": "Staff who had not answered when the consultation closed"},
        "staff_conditions": {"type": "array", "items": _STRING,
                             "description": "What staff willing only with conditions asked for (x-role conditions), "
                                            "apart from comments; without names, in no particular order"}}),
    "ReviewContext": _object(["parts"], {
        "parts": {"type": "array", "items": _STRING,
                  "description": "What the task's diagram asks to show (its reviewContext property)"},
        "draft": {"type": "array", "items": _ref("Detail")},
        "changes": _nullable(_ref("DraftChanges")),
        "risk_assessment": _nullable(_ref("RiskAssessment")),
        "consultation": _nullable(_ref("Consultation")),
        "warning_signs": {"type": "array", "items": _object(["sign", "text", "justification"], {
            "sign": _STRING, "text": _STRING, "justification": _NULL_STRING}),
            "description": "Each warning sign the diagram found (its stable id in `sign`), with the manager's "
                           "justification for it"},
        "governance": {"type": "array", "items": _ref("Decision"),
                       "description": "The equality impact assessment, information governance review and "
                                      "ratification: who, when and what they decided"},
        "resolved_signs": {"type": "array", "items": _object(["sign", "text", "how", "by", "at", "step"], {
            "sign": _STRING, "text": _STRING, "how": _STRING, "by": _STRING, "at": _TIME, "step": _STRING}),
            "description": "Warning signs a later step resolved (a form field marked x-resolves), with how"},
        "justification": _NULL_STRING, "revision_notes": _NULL_STRING,
        "signoffs": {"type": "array", "items": _ref("Decision")},
        "incidents": {"type": "array", "items": _ref("Incident"),
                      "description": "Recordings without permission reported since the last publication"},
        "preference_changes": {"oneOf": [{"type": "null"}, {"type": "array", "items": _object(
            ["username", "changed_at", "changes"], {
                "username": {"type": ["string", "null"], "description": "The department's managers only"},
                "changed_at": _STRING, "changes": {"type": "array", "items": _ref("Detail")}})}],
            "description": "Staff recording preferences changed since the last staff consultation "
                           "(every review step shows them)"},
        "published": _nullable(_object(["number", "published_at", "details"], {
            "number": {"type": "integer"}, "published_at": _TIME, "details": {"type": "array", "items": _ref("Detail")},
            "label": {"type": "string", "description": "The version as published: \"1\", \"1.1\", \"2\""}},
            "The latest published version as published (what staff acknowledge)"))},
        "The evidence shown beside the task's form, built from stored data"),
    "SavedAnswers": _object(["data", "saved_at", "saved_by"], {
        "data": {"type": "object", "description": "The answers as saved (not validated)"},
        "saved_at": _TIME, "saved_by": _STRING}, "Answers saved to continue later"),
}




PREFERENCE_CHOICES = ["willing", "willing_with_conditions", "not_willing"]
PREFERENCE_KINDS = {"screen_photos": "Photos of the images on the screen", "video": "Filming",
                    "audio": "Sound recording (conversations)"}

#: Every list is read a page at a time.
PAGE_PARAMS = [
    {"name": "limit", "in": "query", "required": False, "description": "How many items to return (default 50)",
     "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}},
    {"name": "offset", "in": "query", "required": False, "description": "How many items to skip (default 0)",
     "schema": {"type": "integer", "minimum": 0, "maximum": 1000000000, "default": 0}},
]


STATUSES = ["in_progress", "published", "under_review", "suspended", "withdrawn", "completed"]
#: A published policy's suspension or withdrawal, with its date and reason.
PUBLIC_STATE = {
    "suspended_at": {"type": ["string", "null"], "format": "date-time"},
    "suspension_reason": {"type": ["string", "null"]},
    "withdrawn_at": {"type": ["string", "null"], "format": "date-time"},
    "withdrawal_reason": {"type": ["string", "null"]},
}

SCHEMAS = {
    "Errors": {"type": "object", "required": ["errors"], "properties": {"errors": {"type": "array", "items": {
        "type": "object", "required": ["field", "message"],
        "properties": {"field": {"type": ["string", "null"]}, "message": {"type": "string"}}}}}},
    "Me": {"type": "object", "required": ["username", "roles"], "properties": {
        "username": {"type": "string"}, "roles": {"type": "array", "items": {"type": "string"}},
        "department": {"type": ["string", "null"]}}},
    "Process": {"type": "object", "required": ["id", "name", "version"], "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}, "version": {"type": "integer"}}},
    "ReadyTask": {"type": "object", "required": ["id", "name", "lane"], "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}, "title": {"type": "string"},
        "lane": {"type": ["string", "null"]}, "lifecycle_step": {"type": ["string", "null"]},
        "ready_since": {"type": "string", "format": "date-time"},
        "due_at": {"type": ["string", "null"], "format": "date-time", "description": "When the task is due"},
        "overdue": {"type": "boolean"},
        "per_person": {"type": "boolean", "description": "The task is for one named person"},
        "assignee": {"type": ["string", "null"],
                     "description": "Who a per-person task waits for (the department's managers only)"},
        "claimed_by": {"type": ["string", "null"],
                       "description": "Who claimed a shared task (the department's managers only)"}}},
    "PolicySummary": {"type": "object", "required": ["id", "title", "department", "status", "process"],
                      "properties": {
                          "id": {"type": "integer"}, "title": {"type": "string"}, "department": {"type": "string"},
                          "status": {"type": "string", "enum": STATUSES},
                          **PUBLIC_STATE,
                          **RATINGS,
                          "process": {"type": "object", "required": ["id", "version"], "properties": {
                              "id": {"type": "string"}, "version": {"type": "integer"}}},
                          "created_by": {"type": "string"},
                          "created_at": {"type": "string", "format": "date-time"},
                          "updated_at": {"type": "string", "format": "date-time"},
                          "next_review_at": {"type": ["string", "null"], "format": "date-time",
                                             "description": "When the next review opens (while published or "
                                                            "suspended; null before publication and during a review)"}}},
    "Policy": {"type": "object", "required": ["id", "title", "department", "status", "process", "ready_tasks"],
               "properties": {
                   "id": {"type": "integer"}, "title": {"type": "string"}, "department": {"type": "string"},
                   "status": {"type": "string", "enum": STATUSES},
                   **PUBLIC_STATE,
                   "managed": {"type": "boolean", "description": "The caller manages this policy's department"},
                   **RATINGS,
                   "process": {"type": "object", "required": ["id", "version"], "properties": {
                       "id": {"type": "string"}, "version": {"type": "integer"}}},
                   "ready_tasks": {"type": "array", "items": _ref("ReadyTask")},
                   "created_by": {"type": "string"},
                   "created_at": {"type": "string", "format": "date-time"},
                   "updated_at": {"type": "string", "format": "date-time"},
                   "next_review_at": {"type": ["string", "null"], "format": "date-time",
                                      "description": "When the review timer is due (while published or suspended; null before "
                                                     "publication and during a review): the day the review opens, "
                                                     "the review date less the publication's reviewLeadTime"},
                   "completed_elements": {"type": "array", "items": {"type": "string"},
                                          "description": "Diagram element ids of the steps completed so far"},
                   "draft": {"type": "object", "description": "The current policy draft (policy_draft)"},
                   "draft_sections": {"type": "array", "items": _ref("Section")}}},
    "Section": {"type": "object", "required": ["field", "label", "value"], "properties": {
        "field": {"type": "string"}, "label": {"type": "string"},
        "value": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}}},
    "Task": {"type": "object", "required": ["id", "policy_id", "name", "title", "lane"], "properties": {
        "id": {"type": "string"}, "policy_id": {"type": "integer"}, "name": {"type": "string"},
        "title": {"type": "string"}, "lane": {"type": ["string", "null"]},
        "due_at": {"type": ["string", "null"], "format": "date-time", "description": "When the task is due"},
        "overdue": {"type": "boolean"},
        "claimed_by": {"type": ["string", "null"], "description": "Who claimed this shared task"},
        "returned": _nullable(_object(["by", "step", "outcome", "at", "comments"], {
            "by": _STRING, "step": _STRING, "outcome": _NULL_STRING, "at": _TIME,
            "comments": {"type": "array", "items": _STRING}},
            "In lists: for a revision, the sign-off that sent the policy back (who, and why)"))}},
    "TaskAssignment": {"type": "object", "required": ["id", "policy_id"], "properties": {
        "id": {"type": "string"}, "policy_id": {"type": "integer"}, "name": {"type": ["string", "null"]},
        "title": {"type": ["string", "null"]}, "lane": {"type": ["string", "null"]},
        "due_at": {"type": ["string", "null"], "format": "date-time"},
        "claimed_by": {"type": ["string", "null"]}, "assignee": {"type": ["string", "null"]}}},
    "Assign": {"type": "object", "required": ["username"], "additionalProperties": False,
               "properties": {"username": {"type": "string"}}},
    "Reminded": {"type": "object", "required": ["reminded"], "properties": {
        "reminded": {"type": "array", "items": {"type": "string"}, "description": "Usernames reminded by mail"}}},
    # The body of an incident report: only its fields are checked here, the service checks each value
    # (after it has checked permission).
    "IncidentFields": {"type": "object", "additionalProperties": False,
                       "properties": {"occurred_on": {}, "description": {}, "action_taken": {},
                                      **{name: {} for name in _INCIDENT_GOVERNANCE}}},
    "Reason": {"type": "object", "additionalProperties": False,
               "properties": {"reason": {"type": "string", "maxLength": 2000}}},
    "RequiredReason": {"type": "object", "required": ["reason"], "additionalProperties": False, "properties": {
        "reason": {"type": "string", "minLength": 1, "maxLength": 2000,
                   "description": "Shown on the public page with the date"}}},
    "Acknowledgement": {"type": "object", "required": ["username", "acknowledged_at"], "properties": {
        "username": {"type": "string"},
        "acknowledged_at": {"type": ["string", "null"], "format": "date-time",
                            "description": "null while not acknowledged"},
        "briefing_requested_at": {"type": ["string", "null"], "format": "date-time",
                                  "description": "When they last asked for a briefing instead, while not acknowledged"}}},
    "NewIncident": {"type": "object", "required": ["occurred_on", "description", "action_taken"],
                    "additionalProperties": False,
                    "description": "No patient-identifying details (name, date of birth, hospital number). The "
                                   "governance fields are optional here (the report page asks for all of them).",
                    "properties": {"occurred_on": {"type": "string", "format": "date"},
                                   "description": {"type": "string", "maxLength": 5000},
                                   "action_taken": {"type": "string", "maxLength": 5000},
                                   **_INCIDENT_GOVERNANCE}},
    "Incident": {"type": "object", "required": ["id", "policy_id", "occurred_on", "description", "action_taken",
                                                "reported_by", "reported_at", *_INCIDENT_GOVERNANCE], "properties": {
        "id": {"type": "integer"}, "policy_id": {"type": "integer"}, "occurred_on": {"type": "string", "format": "date"},
        "description": {"type": "string"}, "action_taken": {"type": "string"}, "reported_by": {"type": "string"},
        "reported_at": {"type": "string", "format": "date-time"},
        **{name: (_nullable(prop) if name != "escalated_to" else prop) for name, prop in _INCIDENT_GOVERNANCE.items()}},
        "description": "The governance fields are null (escalated_to empty) where the report left them out"},
    "NewTranslation": {"type": "object", "required": ["language", "sections"], "additionalProperties": False, "properties": {
        "language": {"type": "string", "pattern": "^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$",
                     "description": "A BCP 47 language tag other than English, e.g. cy (Welsh)"},
        "sections": {"type": "object", "minProperties": 1, "additionalProperties": {
            "type": "string", "minLength": 1, "maxLength": 20000},
            "description": "The translated text of sections of the published document, by section id "
                           "(summary, purpose, applies_to, may_and_may_not, how_to_ask, staff_preferences, "
                           "without_permission, why, where, contact)"}}},
    "Translation": {"type": "object", "required": ["language", "version", "current"], "properties": {
        "language": {"type": "string"}, "version": {"type": "integer", "description": "The published version translated"},
        "current": {"type": "boolean", "description": "false once a newer version is published"}}},
    "TaskWithForm": {"allOf": [_ref("Task"), {"type": "object", "required": ["form"], "properties": {
        "form": {"type": "object", "description": "The task's JSON Schema form"},
        "values": {"type": "object", "description": "The answers the form starts with (defaults included)"},
        "instructions": {"type": "string"}, "context": _ref("ReviewContext"),
        "draft": {"oneOf": [_ref("SavedAnswers"), {"type": "null"}],
                  "description": "Answers saved to continue later, if any"}}}]},
    "AuditEvent": {"type": "object", "required": ["at", "actor", "action", "task", "data"], "properties": {
        "at": {"type": "string", "format": "date-time"}, "actor": {"type": "string"}, "action": {"type": "string"},
        "task": {"type": ["string", "null"]},
        "data": {"type": ["object", "null"], "description": "The answers given (decision fields included)"},
        "process_version": {"type": ["integer", "null"]},
        "summary": {"type": "string", "description": "What happened, as the policy's timeline says it"}}},
    "RecordingPreferencesChange": {
        "type": "object", "additionalProperties": False,
        "description": "One's whole entry: a field left out (or null) has no answer. Conditions are required "
                       "when any kind is willing_with_conditions.",
        "properties": {**{kind: {"type": ["string", "null"], "enum": [*PREFERENCE_CHOICES, None],
                                 "description": PREFERENCE_KINDS[kind]} for kind in PREFERENCE_KINDS},
                       "conditions": {"type": ["string", "null"], "maxLength": 10000,
                                      "description": "What must be in place (e.g. never my face)"}}},
    "RecordingPreferences": _object(["screen_photos", "video", "audio", "conditions", "updated_at"], {
        **{kind: {"type": ["string", "null"], "enum": [*PREFERENCE_CHOICES, None], "description": PREFERENCE_KINDS[kind]}
           for kind in PREFERENCE_KINDS},
        "conditions": _NULL_STRING,
        "updated_at": {"type": ["string", "null"], "format": "date-time", "description": "null while never given"}},
        "A person's standing preference on being recorded at work, per kind of recording"),
    "StaffRecordingPreferences": {"allOf": [_ref("RecordingPreferences"), _object(["username"], {
        "username": _STRING})]},
    # A translation's body: only its fields are checked here, the service checks each value (the
    # sections of the published version) after permission.
    "TranslationFields": {"type": "object", "additionalProperties": False,
                          "properties": {"language": {}, "sections": {}}},
    "NewPolicy": {"type": "object", "required": ["title", "department"], "additionalProperties": False,
                  "properties": {
        "title": {"type": "string", "maxLength": 200, "title": "Title"},
        "department": {"type": "string", "title": "Department"}}},
    "Completion": {"type": "object", "required": ["data"], "additionalProperties": False, "properties": {
        "data": {"type": "object", "title": "The form's answers",
                 "description": "Field names and values, as the task's form (its JSON Schema) describes"}}},
    **EVIDENCE_SCHEMAS,
    **openapi_designer.SCHEMAS,
}


def _get(summary: str, schema: dict, *errors: int, params=()) -> dict:
    return {"get": {"summary": summary, "parameters": list(params),
                    "responses": {"200": _json(schema, "OK"), **_errors(401, *errors)}}}


def _post(summary: str, param: dict, answer: dict, *errors: int, body: str | None = None,
          status: str = "200") -> dict:
    operation = {"summary": summary, "parameters": [param],
                 "responses": {status: _json(answer, "Done"), **_errors(401, *errors)}}
    if body:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(body)}}}
    return {"post": operation}


def _merged(processes_get: dict, studio: dict) -> dict:
    """The studio's operations, with ``/processes`` getting its POST beside the GET."""
    return {**studio, "/processes": {**processes_get, **studio["/processes"]}}


def document() -> dict:
    policy_id, task_id = _id_param("policy_id", POLICY_ID), _id_param("task_id", TASK_ID)
    return {
        "openapi": "3.1.0",
        "info": {"title": "policyflow API", "version": "1",
                 "description": "Carry a department's policy on recording during examinations through its lifecycle."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": SCHEMAS},
        "paths": {
            "/me": _get("The caller", _ref("Me")),
            "/policies": {**_get("Policies the caller can see, most recently changed first",
                                 {"type": "array", "items": _ref("PolicySummary")}, 422, params=PAGE_PARAMS),
                          "post": _idempotent({
                "summary": "Start a policy (managers only)",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("NewPolicy")}}},
                "responses": {"201": {**_json(_ref("Policy"), "Started"), "headers": {"Location": {
                    "description": "The new policy's address", "schema": {"type": "string"}}}},
                    **_errors(401, 403, 422)}})},
            "/policies/{policy_id}": _get("A policy", _ref("Policy"), 404, params=[policy_id]),
            "/policies/{policy_id}/audit": _get("The policy's audit trail, oldest first",
                                                {"type": "array", "items": _ref("AuditEvent")}, 404, 422,
                                                params=[policy_id, *PAGE_PARAMS]),
            "/tasks": _get("Tasks the caller may complete now, oldest first", {"type": "array", "items": _ref("Task")},
                           422, params=PAGE_PARAMS),
            "/tasks/{task_id}": _get("A task with its form", _ref("TaskWithForm"), 403, 404, params=[task_id]),
            "/policies/{policy_id}/consultation/close": _post(
                "Close the staff consultation now; who has not answered is recorded as not answering (managers)",
                policy_id, _ref("Policy"), 403, 404, 409, 422),
            "/policies/{policy_id}/suspend": _post(
                "Suspend the published policy until resumed or replaced (managers)", policy_id, _ref("Policy"),
                403, 404, 409, 422, body="RequiredReason"),
            "/policies/{policy_id}/resume": _post(
                "End the policy's suspension (managers)", policy_id, _ref("Policy"), 403, 404, 409, 422, body="Reason"),
            "/policies/{policy_id}/withdraw": _post(
                "Withdraw the published policy; its lifecycle ends (managers)", policy_id, _ref("Policy"),
                403, 404, 409, 422, body="RequiredReason"),
            "/policies/{policy_id}/acknowledgements": _get(
                "Who has and has not acknowledged the latest published version (the department's managers)",
                {"type": "array", "items": _ref("Acknowledgement")}, 403, 404, params=[policy_id]),
            "/policies/{policy_id}/incidents": {
                **_get("Incidents reported on the policy, newest first (the department's managers and role employer)",
                       {"type": "array", "items": _ref("Incident")}, 403, 404, params=[policy_id]),
                "post": _idempotent(_post("Report a recording made or continued without permission (the "
                                          "department's staff)", policy_id, _ref("Incident"), 403, 404, 409, 422,
                                          body="NewIncident", status="201")["post"])},
            "/policies/{policy_id}/translations": {
                **_get("Translations of the published policy, by language (read at /published/{policy_id}/{language})",
                       {"type": "array", "items": _ref("Translation")}, 404, params=[policy_id]),
                **_post("Add or replace a translation of the current published version (the department's managers)",
                        policy_id, _ref("Translation"), 403, 404, 422, body="NewTranslation", status="201")},
            "/me/recording-preferences": {
                **_get("The caller's own recording preferences", _ref("RecordingPreferences")),
                "put": {"summary": "Replace the caller's own recording preferences (audited)",
                        "requestBody": {"required": True, "content": {"application/json": {
                            "schema": _ref("RecordingPreferencesChange")}}},
                        "responses": {"200": _json(_ref("RecordingPreferences"), "Saved"), **_errors(401, 422)}}},
            "/departments/{name}/recording-preferences": _get(
                "The department's active staff with their recording preferences, by username, for rota and room "
                "planning (the department's managers only: 403 for everyone else)",
                {"type": "array", "items": _ref("StaffRecordingPreferences")}, 403, 404, 422,
                params=[{"name": "name", "in": "path", "required": True, "schema": {"type": "string"},
                         "description": "The department's name"}, *PAGE_PARAMS]),
            "/tasks/{task_id}/claim": _post("Claim a shared task: only you may complete it until released",
                                            task_id, _ref("TaskAssignment"), 403, 404, 409, 422),
            "/tasks/{task_id}/release": _post("Release a claimed task (the claimer or a manager)",
                                              task_id, _ref("TaskAssignment"), 403, 404, 409, 422),
            "/tasks/{task_id}/assign": _post("Give a task to another person of its role in the department (managers)",
                                             task_id, _ref("TaskAssignment"), 403, 404, 409, 422, body="Assign"),
            "/tasks/{task_id}/remind": _post("Remind by mail whoever the task waits for (managers)",
                                             task_id, _ref("Reminded"), 403, 404, 409, 422),
            "/tasks/{task_id}/complete": {"post": _idempotent({
                "summary": "Complete a task with the form's data",
                "parameters": [task_id],
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Completion")}}},
                "responses": {"200": _json(_ref("Policy"), "Completed; the policy as it is now"),
                              **_errors(401, 403, 404, 409, 422)}})},
            "/tasks/{task_id}/draft": {"post": _idempotent({
                "summary": "Save partial answers to continue later (not validated; the task is not completed)",
                "parameters": [task_id],
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Completion")}}},
                "responses": {"200": _json(_ref("SavedAnswers"), "Saved; GET the task to have them back as \"draft\""),
                              **_errors(401, 403, 404, 409, 422)}})},
            **_merged(_get("Deployed processes (latest versions)", {"type": "array", "items": _ref("Process")}),
                      openapi_designer.paths(_errors, PAGE_PARAMS, policy_id)),
        },
    }
