"""What people do around a policy's steps, as plain HTML forms: claim, release, reassign and remind
about tasks; close the consultation early; suspend, resume or withdraw; see who has acknowledged.

Each view calls the same service as the API and comes back to the policy's page
with a message; refusals are shown on the page, never as a traceback.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from webapp.context import services
from webapp.signin.auth import actor
from workflows.errors import InvalidInput
from workflows.policies.commands import visible_task

bp = Blueprint("policy_actions", __name__)

REASON_FORMS = {
    "suspend": {"title": "Suspend the policy", "button": "Suspend the policy", "required": True,
                "explain": "While suspended, the public page says so with today's date and your reason. The "
                           "lifecycle carries on; resume the policy when it applies again, or publish a new "
                           "version to replace it."},
    "resume": {"title": "Resume the policy", "button": "Resume the policy", "required": False,
               "explain": "The published policy applies again from now on; the resumption is recorded."},
    "withdraw": {"title": "Withdraw the policy", "button": "Withdraw the policy for good", "required": True,
                 "explain": "Withdrawing ends the policy's lifecycle: open tasks close and the public page says the "
                            "policy was withdrawn, with today's date and your reason. This cannot be undone; "
                            "start a new policy to replace it."},
}
DONE = {"suspend": "The policy is suspended.", "resume": "The policy applies again.",
        "withdraw": "The policy was withdrawn."}


def _back(policy_id: int):
    return redirect(url_for("policies.show", policy_id=policy_id))


def _policy_of_task(task_id: str) -> int:
    with services().database.reading() as session:
        _task, policy = visible_task(session, actor(), task_id)
    return policy.id


@bp.post("/tasks/<task_id:task_id>/claim")
@login_required
def claim(task_id: str):
    services().assignments.claim(actor(), task_id)
    flash("You have claimed this task: only you can complete it until you release it.", "success")
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.post("/tasks/<task_id:task_id>/release")
@login_required
def release(task_id: str):
    policy_id = _policy_of_task(task_id)
    services().assignments.release(actor(), task_id)
    flash("The task is released: anyone of its role can take it on.", "success")
    return _back(policy_id)


@bp.post("/tasks/<task_id:task_id>/remind")
@login_required
def remind(task_id: str):
    policy_id = _policy_of_task(task_id)
    reminded = services().assignments.remind(actor(), task_id)
    flash(f"Reminder sent to {', '.join(reminded)}." if reminded else "Nobody could be reminded by mail.", "success")
    return _back(policy_id)


@bp.post("/policies/<id:policy_id>/remind")
@login_required
def remind_waiting(policy_id: int):
    reminded = services().assignments.remind_waiting(actor(), policy_id, request.form.get("step", ""))
    flash(f"Reminder sent to {', '.join(reminded)}.", "success")
    return _back(policy_id)


@bp.route("/tasks/<task_id:task_id>/assign", methods=["GET", "POST"])
@login_required
def assign(task_id: str):
    policy_id = _policy_of_task(task_id)
    candidates = services().assignments.candidates(actor(), task_id)
    page = services().queries.policy(actor(), policy_id)
    task = next((t for t in page["ready_tasks"] if t["id"] == task_id), None)
    errors = {}
    if request.method == "POST":
        try:
            services().assignments.assign(actor(), task_id, request.form.get("username", ""))
        except InvalidInput as error:
            errors = {e.field: e.message for e in error.errors}
        else:
            flash(f"“{task['title'] if task else 'The task'}” is now {request.form.get('username')}'s.", "success")
            return _back(policy_id)
    return render_template("assign_task.html", policy=page, task=task, task_id=task_id, candidates=candidates,
                           errors=errors), (422 if errors else 200)


@bp.post("/policies/<id:policy_id>/consultation/close")
@login_required
def close_consultation(policy_id: int):
    services().lifecycle.close_consultation(actor(), policy_id)
    flash("The staff consultation is closed; those who had not answered are recorded as not answering.", "success")
    return _back(policy_id)


@bp.route("/policies/<id:policy_id>/<any(suspend, resume, withdraw):action>", methods=["GET", "POST"])
@login_required
def change_state(policy_id: int, action: str):
    policy = services().queries.policy(actor(), policy_id)
    errors, reason = {}, ""
    if request.method == "POST":
        reason = request.form.get("reason", "")
        try:
            getattr(services().lifecycle, action)(actor(), policy_id, reason)
        except InvalidInput as error:
            errors = {e.field: e.message for e in error.errors}
        else:
            flash(DONE[action], "success")
            return _back(policy_id)
    return render_template("policy_reason.html", policy=policy, action=action, form=REASON_FORMS[action],
                           reason=reason, errors=errors), (422 if errors else 200)


@bp.get("/policies/<id:policy_id>/acknowledgements")
@login_required
def acknowledgements(policy_id: int):
    policy = services().queries.policy(actor(), policy_id)
    rows = services().queries.acknowledgements(actor(), policy_id)
    return render_template("acknowledgements.html", policy=policy, rows=rows)
