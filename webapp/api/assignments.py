"""API routes for who does a task: claim, release, assign (managers), remind (managers)."""
from __future__ import annotations

from flask import g, jsonify

from webapp.api.auth import require_token
from webapp.api.blueprint import bp
from webapp.api.body import json_body
from webapp.context import services
from workflows.errors import FieldError, InvalidInput
from workflows.policies.commands import visible_task


def _task_view(task_id: str):
    """The task as its page shows it to the caller (claims and assignee included)."""
    page = services().queries.task_page(g.actor, task_id)
    task = page.task
    return jsonify({key: task.get(key) for key in ("id", "policy_id", "name", "title", "lane", "due_at",
                                                    "claimed_by", "assignee")})


def _policy_task(task_id: str):
    """A task the caller manages but need not be able to complete: its policy's ready_tasks entry."""
    with services().database.reading() as session:
        _task, policy = visible_task(session, g.actor, task_id)
    entry = next((t for t in services().queries.policy(g.actor, policy.id)["ready_tasks"] if t["id"] == task_id),
                 {"id": task_id})
    return jsonify({"id": task_id, "policy_id": policy.id, "name": entry.get("name"), "title": entry.get("title"),
                    "lane": entry.get("lane"), "due_at": entry.get("due_at"), "claimed_by": entry.get("claimed_by"),
                    "assignee": entry.get("assignee")})


@bp.post("/tasks/<task_id:task_id>/claim")
@require_token
def claim(task_id: str):
    services().assignments.claim(g.actor, task_id)
    return _task_view(task_id)


@bp.post("/tasks/<task_id:task_id>/release")
@require_token
def release(task_id: str):
    services().assignments.release(g.actor, task_id)
    return _policy_task(task_id)


@bp.post("/tasks/<task_id:task_id>/assign")
@require_token
def assign(task_id: str):
    username = json_body("Assign")["username"]
    if not isinstance(username, str):
        raise InvalidInput([FieldError("username", "Send the username of the person who should do the task.")])
    services().assignments.assign(g.actor, task_id, username)
    return _policy_task(task_id)


@bp.post("/tasks/<task_id:task_id>/remind")
@require_token
def remind(task_id: str):
    return jsonify({"reminded": services().assignments.remind(g.actor, task_id)})
