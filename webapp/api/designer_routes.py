"""The studio's API: deploy and check files, list and read versions, compare them, move policies,
import diagrams from other modelers as drafts and work through their to-dos.

Thin adapters over ``services().studio``, the same services the studio pages call.
Problems in files answer 422 ``{"errors": [{"file", "line", "element", "message"}]}``.
"""
from __future__ import annotations

from flask import g, jsonify, request, url_for

from webapp.api.auth import require_token
from webapp.api.blueprint import bp
from webapp.api.body import json_body
from webapp.context import services
from webapp.plumbing.diagram_problems import check_json, problems_json
from webapp.plumbing.paging import requested_page
from webapp.plumbing.uploads import uploaded_texts
from workflows.errors import DiagramError, FieldError, InvalidInput


def _refused(error: DiagramError):
    return jsonify({"errors": problems_json(error.problems)}), 422


@bp.post("/processes")
@require_token
def deploy_process():
    body = json_body("NewProcessVersion")
    try:
        version = services().studio.deploy(g.actor, body["files"], body["note"])
    except DiagramError as error:
        return _refused(error)
    location = url_for("api.process_version", process_id=version.process_id, number=version.version)
    return jsonify({"id": version.process_id, "version": version.version, "name": version.name}), 201, \
        {"Location": location}


@bp.post("/processes/check")
@require_token
def check_process():
    report = services().studio.check(g.actor, json_body("ProcessFiles")["files"])
    return jsonify(check_json(report))


@bp.get("/processes/<process_id:process_id>/versions")
@require_token
def process_versions(process_id: str):
    page = requested_page()
    versions = services().studio.versions(process_id)[page.offset:page.offset + page.limit]
    return jsonify([{"version": v.version, "created_at": v.created_at, "created_by": v.created_by, "note": v.note,
                     "policies": v.policies} for v in versions])


@bp.get("/processes/<process_id:process_id>/versions/<id:number>")
@require_token
def process_version(process_id: str, number: int):
    version = services().studio.version(process_id, number)
    return jsonify({"version": version.version, "files": dict(version.files)})


def _version_argument(name: str) -> int:
    value = request.args.get(name, "")
    if not value.isdigit() or not 1 <= int(value) <= 2**31 - 1:
        raise InvalidInput([FieldError(name, f"'{name}' must be a version number (1, 2, …).")])
    return int(value)


@bp.get("/processes/<process_id:process_id>/diff")
@require_token
def process_diff(process_id: str):
    problems = []
    numbers = {}
    for name in ("from", "to"):
        try:
            numbers[name] = _version_argument(name)
        except InvalidInput as error:
            problems += error.errors
    if problems:
        raise InvalidInput(problems)
    return jsonify(services().studio.diff(process_id, numbers["from"], numbers["to"]).as_dict())


@bp.post("/policies/<id:policy_id>/migrate")
@require_token
def migrate_policy(policy_id: int):
    body = json_body("Migration")
    services().studio.migrations.migrate(g.actor, policy_id, body["version"], body.get("rename"))
    return jsonify(services().queries.policy(g.actor, policy_id))


def _refuse_other_parts() -> None:
    """An upload takes files and a title: any other part is named, as an unknown JSON field is."""
    unknown = sorted((set(request.form) - {"title"}) | (set(request.files) - {"files"}))
    if unknown:
        raise InvalidInput([FieldError(name, f"'{name}' is not a field of this call; it takes files and title.")
                            for name in unknown])


@bp.post("/processes/import")
@require_token
def import_process():
    try:
        if request.mimetype == "multipart/form-data":
            _refuse_other_parts()
            files, title = uploaded_texts(request.files.getlist("files")), request.form.get("title")
        else:
            body = json_body("ProcessImport")
            files, title = body["files"], body.get("title")
        draft_id, todos = services().studio.import_draft(g.actor, files, title)
    except DiagramError as error:
        return _refused(error)
    return jsonify({"draft": draft_id, "todos": [t.as_dict() for t in todos]}), 201, \
        {"Location": url_for("api.draft", draft_id=draft_id)}


@bp.get("/drafts/<id:draft_id>")
@require_token
def draft(draft_id: int):
    studio = services().studio
    todos = studio.todos(g.actor, draft_id)
    files = studio.drafts.get(draft_id).files
    return jsonify({"files": files, "todos": [t.as_dict() for t in todos], "check": check_json(studio.check(g.actor,
                                                                                                         files))})


@bp.post("/drafts/<id:draft_id>/todos/apply")
@require_token
def apply_todo(draft_id: int):
    body = json_body("TodoFix")
    todos = services().studio.apply_todo(g.actor, draft_id, body["element"], body["fix"], body.get("choice"))
    return jsonify({"draft": draft_id, "todos": [t.as_dict() for t in todos]})
