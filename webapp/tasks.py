"""A task's page: its form rendered from JSON Schema, and its submission."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from workflows import forms
from workflows.errors import InvalidInput

from . import services
from .auth import actor

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


@bp.route("/<task_id:task_id>", methods=["GET", "POST"])
@login_required
def show(task_id: str):
    page = services().queries.task_page(actor(), task_id)
    errors: dict[str, str] = {}
    general: list[str] = []
    if request.method == "POST":
        try:
            policy_id = services().commands.complete(actor(), task_id, html_form=request.form)
        except InvalidInput as error:
            page.values = forms.coerce_html_form(page.form, request.form)
            for e in error.errors:
                if e.field in page.form.get("properties", {}):
                    errors.setdefault(e.field, e.message)
                else:
                    general.append(e.message)
        else:
            flash(f"Thank you: “{page.task['title']}” is done.", "success")
            return redirect(url_for("policies.show", policy_id=policy_id))
    status = 422 if errors or general else 200
    return render_template("task.html", page=page, errors=errors, general_errors=general), status
