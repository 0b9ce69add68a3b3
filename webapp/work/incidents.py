"""Incident pages: report a recording made or continued without permission, and read the reports."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from webapp.context import services
from webapp.signin.auth import actor
from workflows.errors import InvalidInput
from workflows.policies.incident_form import FIELDS, REPORT_FORM, from_html

bp = Blueprint("incidents", __name__, url_prefix="/policies/<id:policy_id>/incidents")


@bp.get("/")
@login_required
def index(policy_id: int):
    incidents = services().incidents.of_policy(actor(), policy_id)
    return render_template("incidents.html", policy=services().queries.policy(actor(), policy_id), incidents=incidents)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def report(policy_id: int):
    policy = services().queries.policy(actor(), policy_id)
    values: dict = {name: None for name in FIELDS}
    errors = {}
    if request.method == "POST":
        values = from_html(request.form)
        try:
            services().incidents.report(actor(), policy_id, values, complete=True)
        except InvalidInput as error:
            errors = {e.field: e.message for e in error.errors}
        else:
            flash("Thank you: the incident is recorded and the department's manager will review it.", "success")
            return redirect(url_for("policies.show", policy_id=policy_id))
    return render_template("incident_form.html", policy=policy, values=values, errors=errors, form=REPORT_FORM,
                           today=services().clock().date()), (422 if errors else 200)
