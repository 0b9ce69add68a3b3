"""A task's page: its form rendered from JSON Schema, the evidence beside it, and its submission
(or its answers saved to continue later)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from webapp.context import services
from webapp.signin.auth import actor
from workflows.errors import InvalidInput
from workflows.forms import meaning as form_meaning
from workflows.forms import validation as forms

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


@bp.route("/<task_id:task_id>", methods=["GET", "POST"])
@login_required
def show(task_id: str):
    page = services().queries.task_page(actor(), task_id)
    if page.draft is not None:
        page.values = page.draft.data  # carry on from what was saved
    errors: dict[str, str] = {}
    general: list[str] = []
    if request.method == "POST":
        saving = request.form.get("action") == "save"
        try:
            if saving:
                services().commands.save_answers(actor(), task_id, html_form=request.form)
            else:
                policy_id = services().commands.complete(actor(), task_id, html_form=request.form)
        except InvalidInput as error:
            page.values = forms.coerce_html_form(page.form, request.form)
            for e in error.errors:
                if e.field in page.form.get("properties", {}):
                    errors.setdefault(e.field, e.message)
                else:
                    general.append(e.message)
        else:
            if saving:
                flash("Your answers are saved. Come back to this task from your inbox to carry on.", "success")
                return redirect(url_for("tasks.show", task_id=task_id))
            if form_meaning.briefing_requested(page.form, forms.coerce_html_form(page.form, request.form)):
                flash("Your manager has been told that you need a briefing. This task stays in your inbox: "
                      "come back to it once you have had the briefing.", "success")
                return redirect(url_for("tasks.show", task_id=task_id))
            flash(f"Thank you: “{page.task['title']}” is done.", "success")
            return redirect(url_for("policies.show", policy_id=policy_id))
    status = 422 if errors or general else 200
    return render_template("task.html", page=page, errors=errors, general_errors=general), status
