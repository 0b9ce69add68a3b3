"""Policy pages: the list, starting a policy, one policy's status, timeline and diagram."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import login_required

from webapp.context import services
from webapp.plumbing.paging import neighbours, requested_page
from webapp.signin.auth import actor, role_required
from workflows.errors import InvalidInput
from workflows.policies.queries import Page

bp = Blueprint("policies", __name__, url_prefix="/policies")
TIMELINE_EVENTS = 100


@bp.route("/")
@login_required
def index():
    page = requested_page()
    policies = services().queries.policies(actor(), page)
    return render_template("policies.html", policies=policies, nav=neighbours(page, len(policies)))


@bp.route("/new", methods=["GET", "POST"])
@role_required("manager")
def new():
    departments = services().accounts.departments()
    if actor().department:
        departments = [actor().department]
    values, errors = {"title": "", "department": departments[0] if len(departments) == 1 else ""}, {}
    if request.method == "POST":
        values = {"title": request.form.get("title", ""), "department": request.form.get("department", "")}
        try:
            policy_id = services().commands.start(actor(), values["title"], values["department"])
        except InvalidInput as error:
            errors = {e.field: e.message for e in error.errors}
        else:
            flash(f"Policy “{values['title'].strip()}” started.", "success")
            return redirect(url_for("policies.show", policy_id=policy_id))
    return render_template("new_policy.html", values=values, errors=errors, departments=departments), (422 if errors else 200)


@bp.route("/<id:policy_id>")
@login_required
def show(policy_id: int):
    queries = services().queries
    policy = queries.policy(actor(), policy_id)
    total = queries.audit_count(actor(), policy_id)
    # The latest events first come into view; earlier ones are a link away.
    shown = TIMELINE_EVENTS
    page = Page.of(shown, request.args.get("offset", max(total - shown, 0)))
    timeline = queries.audit_trail(actor(), policy_id, page)
    return render_template("policy.html", policy=policy, timeline=timeline, my_tasks=queries.my_task_ids(actor(), policy_id),
                           nav=neighbours(page, len(timeline), total),
                           may_read_incidents=queries.may_read_incidents(actor(), policy_id))


@bp.route("/<id:policy_id>/diagram.bpmn")
@login_required
def diagram(policy_id: int):
    _name, xml = services().queries.diagram(actor(), policy_id)
    return Response(xml, mimetype="application/xml", headers={"X-Content-Type-Options": "nosniff"})
