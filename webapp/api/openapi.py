"""The OpenAPI 3 description of the API, kept beside the routes it describes."""
from __future__ import annotations

from ..converters import LARGEST_ID


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    text = {401: "Missing, unknown, expired or revoked token", 403: "Not the caller's to do", 404: "No such thing",
            409: "No longer possible (already completed or changed meanwhile)", 422: "Invalid input, per field"}
    return {str(code): _json(_ref("Errors"), text[code]) for code in codes}


def _id_param(name: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema}


# What the address converters accept (webapp/converters.py); anything else is a 404.
POLICY_ID = {"type": "integer", "minimum": 1, "maximum": LARGEST_ID}
TASK_ID = {"type": "string", "format": "uuid"}


def _nullable(schema: dict) -> dict:
    return {"oneOf": [schema, {"type": "null"}]}


_TEXT_OR_LIST = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
_STRING, _NULL_STRING, _TIME = {"type": "string"}, {"type": ["string", "null"]}, {"type": "string", "format": "date-time"}


def _object(required: list[str], properties: dict, description: str | None = None) -> dict:
    schema = {"type": "object", "required": required, "properties": properties}
    return {**schema, "description": description} if description else schema


#: What a task page shows beside its form (``GET /tasks/{id}`` as ``"context"``).
EVIDENCE_SCHEMAS = {
    "Detail": _object(["label", "value"], {"label": _STRING, "value": _TEXT_OR_LIST, "name": _NULL_STRING}),
    "Decision": _object(["title", "lifecycle_step", "by", "at", "outcome", "approved", "comments"], {
        "title": _STRING, "lifecycle_step": _STRING, "lane": _NULL_STRING, "by": _STRING, "at": _TIME,
        "outcome": _NULL_STRING, "approved": {"type": "boolean"}, "comments": {"type": "array", "items": _STRING}},
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
        "mitigations": _NULL_STRING, "details": {"type": "array", "items": _ref("Detail")}}),
    "RiskAssessment": _object(["risks", "rating", "highest_score", "scale"], {
        "risks": {"type": "array", "items": _ref("Risk")}, "rationale": _NULL_STRING,
        "other": {"type": "array", "items": _ref("Detail")}, "rating": _NULL_STRING,
        "highest_score": {"type": ["integer", "null"]}, "highest_risks": {"type": "array", "items": _STRING},
        "scale": {"type": "array", "description": "The risk rating table's rows; `applies` marks the one that gave the rating",
                  "items": _object(["rating", "description", "applies"], {
                      "rating": _STRING, "description": _STRING, "applies": {"type": "boolean"}})}}),
    "Consultation": _object(["staff_responses", "staff_views", "staff_comments", "liaison"], {
        "staff_responses": {"type": "integer"},
        "staff_views": {"type": "array", "items": _object(["label", "count"], {
            "label": _STRING, "count": {"type": "integer"}})},
        "staff_comments": {"type": "array", "items": _STRING, "description": "Without names, in no particular order"},
        "liaison": {"type": "array", "items": _ref("Detail")}}),
    "ReviewContext": _object(["parts"], {
        "parts": {"type": "array", "items": _STRING,
                  "description": "What the task's diagram asks to show (its reviewContext property)"},
        "draft": {"type": "array", "items": _ref("Detail")},
        "changes": _nullable(_ref("DraftChanges")),
        "risk_assessment": _nullable(_ref("RiskAssessment")),
        "consultation": _nullable(_ref("Consultation")),
        "warning_signs": {"type": "array", "items": _STRING},
        "justification": _NULL_STRING, "revision_notes": _NULL_STRING,
        "signoffs": {"type": "array", "items": _ref("Decision")}},
        "The evidence shown beside the task's form, built from stored data"),
    "SavedAnswers": _object(["data", "saved_at", "saved_by"], {
        "data": {"type": "object", "description": "The answers as saved (not validated)"},
        "saved_at": _TIME, "saved_by": _STRING}, "Answers saved to continue later"),
}




#: Every list is read a page at a time.
PAGE_PARAMS = [
    {"name": "limit", "in": "query", "required": False, "description": "How many items to return (default 50)",
     "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}},
    {"name": "offset", "in": "query", "required": False, "description": "How many items to skip (default 0)",
     "schema": {"type": "integer", "minimum": 0, "maximum": 1000000000, "default": 0}},
]


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
        "ready_since": {"type": "string", "format": "date-time"}}},
    "PolicySummary": {"type": "object", "required": ["id", "title", "department", "status", "process"],
                      "properties": {
                          "id": {"type": "integer"}, "title": {"type": "string"}, "department": {"type": "string"},
                          "status": {"type": "string",
                                     "enum": ["in_progress", "published", "under_review", "completed"]},
                          "risk_rating": {"type": ["string", "null"]},
                          "process": {"type": "object", "required": ["id", "version"], "properties": {
                              "id": {"type": "string"}, "version": {"type": "integer"}}},
                          "created_by": {"type": "string"},
                          "created_at": {"type": "string", "format": "date-time"},
                          "updated_at": {"type": "string", "format": "date-time"},
                          "next_review_at": {"type": ["string", "null"], "format": "date-time"}}},
    "Policy": {"type": "object", "required": ["id", "title", "department", "status", "process", "ready_tasks"],
               "properties": {
                   "id": {"type": "integer"}, "title": {"type": "string"}, "department": {"type": "string"},
                   "status": {"type": "string", "enum": ["in_progress", "published", "under_review", "completed"]},
                   "risk_rating": {"type": ["string", "null"]},
                   "process": {"type": "object", "required": ["id", "version"], "properties": {
                       "id": {"type": "string"}, "version": {"type": "integer"}}},
                   "ready_tasks": {"type": "array", "items": _ref("ReadyTask")},
                   "created_by": {"type": "string"},
                   "created_at": {"type": "string", "format": "date-time"},
                   "updated_at": {"type": "string", "format": "date-time"},
                   "next_review_at": {"type": ["string", "null"], "format": "date-time",
                                      "description": "When the review timer is due (while published)"},
                   "completed_elements": {"type": "array", "items": {"type": "string"},
                                          "description": "Diagram element ids of the steps completed so far"},
                   "draft": {"type": "object", "description": "The current policy draft (policy_draft)"},
                   "draft_sections": {"type": "array", "items": _ref("Section")}}},
    "Section": {"type": "object", "required": ["field", "label", "value"], "properties": {
        "field": {"type": "string"}, "label": {"type": "string"},
        "value": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}}},
    "Task": {"type": "object", "required": ["id", "policy_id", "name", "title", "lane"], "properties": {
        "id": {"type": "string"}, "policy_id": {"type": "integer"}, "name": {"type": "string"},
        "title": {"type": "string"}, "lane": {"type": ["string", "null"]}}},
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
    "NewPolicy": {"type": "object", "required": ["title", "department"], "properties": {
        "title": {"type": "string", "maxLength": 200, "title": "Title"},
        "department": {"type": "string", "title": "Department"}}},
    "Completion": {"type": "object", "required": ["data"], "properties": {
        "data": {"type": "object", "title": "The form's answers",
                 "description": "Field names and values, as the task's form (its JSON Schema) describes"}}},
    **EVIDENCE_SCHEMAS,
}


def _get(summary: str, schema: dict, *errors: int, params=()) -> dict:
    return {"get": {"summary": summary, "parameters": list(params),
                    "responses": {"200": _json(schema, "OK"), **_errors(401, *errors)}}}


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
            "/processes": _get("Deployed processes (latest versions)", {"type": "array", "items": _ref("Process")}),
            "/policies": {**_get("Policies the caller can see, most recently changed first",
                                 {"type": "array", "items": _ref("PolicySummary")}, 422, params=PAGE_PARAMS),
                          "post": {
                "summary": "Start a policy (managers only)",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("NewPolicy")}}},
                "responses": {"201": {**_json(_ref("Policy"), "Started"), "headers": {"Location": {
                    "description": "The new policy's address", "schema": {"type": "string"}}}},
                    **_errors(401, 403, 422)}}},
            "/policies/{policy_id}": _get("A policy", _ref("Policy"), 404, params=[policy_id]),
            "/policies/{policy_id}/audit": _get("The policy's audit trail, oldest first",
                                                {"type": "array", "items": _ref("AuditEvent")}, 404, 422,
                                                params=[policy_id, *PAGE_PARAMS]),
            "/tasks": _get("Tasks the caller may complete now, oldest first", {"type": "array", "items": _ref("Task")},
                           422, params=PAGE_PARAMS),
            "/tasks/{task_id}": _get("A task with its form", _ref("TaskWithForm"), 403, 404, params=[task_id]),
            "/tasks/{task_id}/complete": {"post": {
                "summary": "Complete a task with the form's data",
                "parameters": [task_id],
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Completion")}}},
                "responses": {"200": _json(_ref("Policy"), "Completed; the policy as it is now"),
                              **_errors(401, 403, 404, 409, 422)}}},
            "/tasks/{task_id}/draft": {"post": {
                "summary": "Save partial answers to continue later (not validated; the task is not completed)",
                "parameters": [task_id],
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Completion")}}},
                "responses": {"200": _json(_ref("SavedAnswers"), "Saved; GET the task to have them back as \"draft\""),
                              **_errors(401, 403, 404, 409, 422)}}},
        },
    }
