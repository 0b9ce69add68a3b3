"""The studio's part of the OpenAPI document: deploy, check, versions, compare, migrate, import and drafts."""
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

_TODO = {"type": "object", "required": ["element", "file", "line", "message", "fix", "choices"], "properties": {
    "element": {**_NULL_STRING, "description": "The element's id (a file's name for what concerns the whole file)"},
    "file": _NULL_STRING, "line": {"type": ["integer", "null"]}, "message": _STRING,
    "fix": {**_NULL_STRING, "description": "The fix the studio applies (POST .../todos/apply); null: edit the diagram"},
    "choices": {"type": "array", "items": _STRING, "description": "What the fix takes, the suggested one first"}}}
_FILES = {"type": "object", "minProperties": 1, "maxProperties": 50, "additionalProperties": {"type": "string"}}

SCHEMAS = {
    "Todo": _TODO,
    "ProcessImport": {"type": "object", "required": ["files"], "additionalProperties": False, "properties": {
        "files": {**_FILES, "description": "BPMN (.bpmn), DMN (.dmn), Camunda Forms (.form) and JSON Schema forms "
                                           "(.json) by name, as text"},
        "title": {"type": "string", "maxLength": 200, "description": "The draft's title"}}},
    "ImportedDraft": {"type": "object", "required": ["draft", "todos"], "properties": {
        "draft": {"type": "integer"}, "todos": {"type": "array", "items": _ref("Todo")}}},
    "TodoFix": {"type": "object", "required": ["element", "fix"], "additionalProperties": False, "properties": {
        "element": {"type": "string", "minLength": 1, "maxLength": 300}, "fix": {"type": "string", "maxLength": 50},
        "choice": {"type": "string", "maxLength": 300, "description": "One of the to-do's choices (a form's file name "
                                                                      "may be new)"}}},
    "Draft": {"type": "object", "required": ["files", "todos", "check"], "properties": {
        "files": {"type": "object", "additionalProperties": _STRING}, "todos": {"type": "array", "items": _ref("Todo")},
        "check": _ref("CheckResult")}},
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
        "added": {"type": "array", "items": {"allOf": [_ELEMENT, {"type": "object", "properties": {"what": {
            "type": "array", "items": _STRING, "description": "The new form it names, field by field"}}}]}},
        "removed": {"type": "array", "items": _ELEMENT},
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
    draft_id = {"name": "draft_id", "in": "path", "required": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": LARGEST_ID}}
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
        "/processes/import": {"post": {
            "summary": "Import diagrams made in another modeler as a draft with its to-do list (process designers); "
                       "files that cannot be read are refused, each located",
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": _ref("ProcessImport")},
                "multipart/form-data": {"schema": {"type": "object", "required": ["files"],
                                                   "additionalProperties": False, "properties": {
                    "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                    "title": {"type": "string", "maxLength": 200}}}}}},
            "responses": {"201": _json(_ref("ImportedDraft"), "Imported; what to do before it can run"),
                          **errors(401, 403), **problems}}},
        "/drafts/{draft_id}": {"get": {
            "summary": "A draft's files, its to-do list and its check (process designers)", "parameters": [draft_id],
            "responses": {"200": _json(_ref("Draft"), "OK"), **errors(401, 403, 404)}}},
        "/drafts/{draft_id}/todos/apply": {"post": {
            "summary": "Apply the fix one of the draft's to-dos offers, with one of its choices (process designers)",
            "parameters": [draft_id],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("TodoFix")}}},
            "responses": {"200": _json(_ref("ImportedDraft"), "Applied; the to-dos left"),
                          **errors(401, 403, 404, 409, 422)}}},
        "/policies/{policy_id}/migrate": {"post": {
            "summary": "Move a running policy to another version (process designers and admins); refused (409, "
                       "nothing changed) unless it can go on there: the tasks it waits at exist by id, the code "
                       "ahead finds the variables it reads, and a dry run from where it is meets no error",
            "parameters": [policy_id],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Migration")}}},
            "responses": {"200": _json(_ref("Policy"), "Moved; the policy as it is now"),
                          **errors(401, 403, 404, 409, 422)}}},
    }
