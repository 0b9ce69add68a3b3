"""The studio's part of the OpenAPI document: deploy, check, versions, compare, migrate."""
from __future__ import annotations

from webapp.plumbing.converters import LARGEST_ID


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_STRING, _NULL_STRING = {"type": "string"}, {"type": ["string", "null"]}
_ELEMENT = {"type": "object", "required": ["id", "name", "type"], "properties": {
    "id": _STRING, "name": _STRING, "type": _STRING}}
_PROBLEM = {"type": "object", "required": ["file", "line", "element", "message"], "properties": {
    "file": _STRING, "line": {"type": ["integer", "null"]}, "element": _NULL_STRING, "message": _STRING}}

SCHEMAS = {
    "DiagramProblems": {"type": "object", "required": ["errors"], "properties": {
        "errors": {"type": "array", "items": _ref("DiagramProblem")}},
        "description": "Every problem of the files, each located at its file, line and element"},
    "DiagramProblem": _PROBLEM,
    "ProcessFiles": {"type": "object", "required": ["files"], "additionalProperties": False, "properties": {
        "files": {"type": "object", "minProperties": 1, "additionalProperties": {"type": "string"},
                  "description": "BPMN (.bpmn), DMN (.dmn) and form (NAME.schema.json, with or without forms/) "
                                 "files by name, as text"},
        "note": {"type": "string", "maxLength": 2000, "description": "Why this version is deployed"}}},
    "NewProcessVersion": {"type": "object", "required": ["files", "note"], "additionalProperties": False,
                          "properties": {
        "files": {"type": "object", "minProperties": 1, "additionalProperties": {"type": "string"}},
        "note": {"type": "string", "minLength": 1, "maxLength": 2000,
                 "description": "Why this version is deployed (required)"}}},
    "DeployedVersion": {"type": "object", "required": ["id", "version", "name"], "properties": {
        "id": _STRING, "version": {"type": "integer"}, "name": _STRING}},
    "DryRunPath": {"type": "object", "required": ["steps", "outcome", "element"], "properties": {
        "steps": {"type": "array", "items": _STRING, "description": "Tasks completed and timers fired, in order"},
        "outcome": {"type": "string", "enum": ["published", "stuck", "loop", "error"]},
        "element": _NULL_STRING, "message": _STRING,
        "choices": {"type": "array", "items": _STRING, "description": "The answers that differed from the usual"},
        "names": {"type": "array", "items": _STRING, "description": "The steps as the diagram names them"},
        "explanation": {"type": "string", "description": "How the route ended, in words; a loop says where it "
                                                        "goes back, after which answer, and whether the guidance "
                                                        "expects it"}}},
    "CheckResult": {"type": "object", "required": ["ok", "errors", "paths"], "properties": {
        "ok": {"type": "boolean"}, "errors": {"type": "array", "items": _ref("DiagramProblem")},
        "paths": {"type": "array", "items": _ref("DryRunPath")},
        "warnings": {"type": "array", "items": _ref("DiagramProblem"),
                     "description": "Elements no route reached; a dry run stopped at its bound"}}},
    "ProcessVersionSummary": {"type": "object", "required": ["version", "created_at", "created_by", "note", "policies"],
                              "properties": {"version": {"type": "integer"},
                                             "created_at": {"type": "string", "format": "date-time"},
                                             "created_by": _STRING, "note": _NULL_STRING,
                                             "policies": {"type": "integer", "description": "Policies running on it"}}},
    "ProcessVersionFiles": {"type": "object", "required": ["version", "files"], "properties": {
        "version": {"type": "integer"}, "files": {"type": "object", "additionalProperties": _STRING}}},
    "VersionDiff": {"type": "object", "required": ["added", "removed", "changed"], "properties": {
        "added": {"type": "array", "items": _ELEMENT}, "removed": {"type": "array", "items": _ELEMENT},
        "changed": {"type": "array", "items": {"allOf": [_ELEMENT, {"type": "object", "required": ["what"],
                                                                     "properties": {"what": {"type": "array",
                                                                                             "items": _STRING}}}]}}}},
    "Migration": {"type": "object", "required": ["version"], "additionalProperties": False, "properties": {
        "version": {"type": "integer", "minimum": 1, "maximum": LARGEST_ID, "title": "The version to move to"},
        "rename": {"type": "object", "maxProperties": 100,
                   "additionalProperties": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]{0,199}$"},
                   "description": "Data keys to rename as part of the move, {old key: new key}; the checks "
                                  "apply to the renamed data"}}},
}


def paths(errors, page_params: list, policy_id: dict) -> dict:
    """The operations, given the main document's error responses, paging and policy id parameter."""
    process_id = {"name": "process_id", "in": "path", "required": True,
                  "schema": {"type": "string", "pattern": r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,199}$"}}
    number = {"name": "number", "in": "path", "required": True,
              "schema": {"type": "integer", "minimum": 1, "maximum": LARGEST_ID}}
    version_query = [{"name": name, "in": "query", "required": True, "description": what,
                      "schema": {"type": "integer", "minimum": 1, "maximum": LARGEST_ID}}
                     for name, what in (("from", "The older version"), ("to", "The newer version"))]
    problems = {"422": _json({"oneOf": [_ref("DiagramProblems"), _ref("Errors")]},
                             "Problems in the files, each at its file, line and element; or a body that is wrong")}
    return {
        "/processes": {"post": {
            "summary": "Deploy files as the next version (process designers only)",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("NewProcessVersion")}}},
            "responses": {"201": _json(_ref("DeployedVersion"), "Deployed"), **errors(401, 403), **problems}}},
        "/processes/check": {"post": {
            "summary": "Check files as deploy would, and dry-run them (process designers only)",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ProcessFiles")}}},
            "responses": {"200": _json(_ref("CheckResult"), "What the checks and the dry run found"),
                          **errors(401, 403, 422)}}},
        "/processes/{process_id}/versions": {"get": {
            "summary": "A process's versions, newest first", "parameters": [process_id, *page_params],
            "responses": {"200": _json({"type": "array", "items": _ref("ProcessVersionSummary")}, "OK"),
                          **errors(401, 404, 422)}}},
        "/processes/{process_id}/versions/{number}": {"get": {
            "summary": "One version's files", "parameters": [process_id, number],
            "responses": {"200": _json(_ref("ProcessVersionFiles"), "OK"), **errors(401, 404)}}},
        "/processes/{process_id}/diff": {"get": {
            "summary": "What changed between two versions", "parameters": [process_id, *version_query],
            "responses": {"200": _json(_ref("VersionDiff"), "OK"), **errors(401, 404, 422)}}},
        "/policies/{policy_id}/migrate": {"post": {
            "summary": "Move a running policy to another version (process designers and admins); refused (409, "
                       "nothing changed) unless it can go on there: the tasks it waits at exist by id, the code "
                       "ahead finds the variables it reads, and a dry run from where it is meets no error",
            "parameters": [policy_id],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Migration")}}},
            "responses": {"200": _json(_ref("Policy"), "Moved; the policy as it is now"),
                          **errors(401, 403, 404, 409, 422)}}},
    }
