"""API routes. Each one is a thin adapter: parse JSON, call a service, shape the answer."""
from __future__ import annotations

from dataclasses import asdict

from flask import g, jsonify, url_for

from webapp.api.auth import require_token
from webapp.api.blueprint import bp
from webapp.api.body import json_body
from webapp.api.openapi import document
from webapp.context import services
from webapp.operations.database_errors import read_back
from webapp.plumbing.paging import requested_page


def _task(task: dict) -> dict:
    return {key: task.get(key) for key in ("id", "policy_id", "name", "title", "lane", "due_at", "claimed_by")}


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())


@bp.get("/me")
@require_token
def me():
    return jsonify({"username": g.actor.username, "roles": sorted(g.actor.roles),
                    "department": g.actor.department})


@bp.get("/processes")
@require_token
def processes():
    return jsonify([{"id": v.process_id, "name": v.name, "version": v.version}
                    for v in services().processes.latest_versions()])


@bp.get("/policies")
@require_token
def policies():
    return jsonify(services().queries.policies(g.actor, requested_page()))


@bp.post("/policies")
@require_token
def start_policy():
    body = json_body("NewPolicy")
    policy_id = services().commands.start(g.actor, body["title"], body["department"])
    return jsonify(read_back(lambda: services().queries.policy(g.actor, policy_id))), 201, {"Location": url_for("api.policy", policy_id=policy_id)}


@bp.get("/policies/<id:policy_id>")
@require_token
def policy(policy_id: int):
    return jsonify(services().queries.policy(g.actor, policy_id))


@bp.get("/policies/<id:policy_id>/audit")
@require_token
def audit(policy_id: int):
    return jsonify([{key: event[key] for key in ("at", "actor", "action", "task", "data", "process_version", "summary")}
                    for event in services().queries.audit_trail(g.actor, policy_id, requested_page())])


@bp.get("/tasks")
@require_token
def tasks():
    return jsonify([{**_task(task), "overdue": task["overdue"], "returned": task["returned"]}
                    for task in services().queries.inbox(g.actor, requested_page())])


@bp.get("/tasks/<task_id:task_id>")
@require_token
def task(task_id: str):
    page = services().queries.task_page(g.actor, task_id)
    return jsonify({**_task(page.task), "form": page.form, "values": page.values, "instructions": page.instructions,
                    "context": asdict(page.context), "draft": asdict(page.draft) if page.draft else None})


@bp.post("/tasks/<task_id:task_id>/complete")
@require_token
def complete(task_id: str):
    policy_id = services().commands.complete(g.actor, task_id, json_body("Completion")["data"])
    return jsonify(read_back(lambda: services().queries.policy(g.actor, policy_id)))


@bp.post("/tasks/<task_id:task_id>/draft")
@require_token
def save_draft(task_id: str):
    """Keep partial answers to continue later; nothing is validated or run."""
    return jsonify(asdict(services().commands.save_answers(g.actor, task_id, json_body("Completion")["data"])))
