"""Moving running policies to another version: one at a time, or all that can, each with its result."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required

from webapp.context import services
from webapp.signin.auth import actor
from webapp.studio.blueprint import bp
from workflows.designer.migration import MIGRATING_ROLES
from workflows.errors import Conflict, FieldError, InvalidInput, NotFound


def _may_migrate() -> None:
    if not set(MIGRATING_ROLES) & set(actor().roles):
        abort(403, "Moving policies between versions is for process designers and admins.")


def _version() -> int:
    value = request.form.get("version", "")
    if not value.isdigit():
        raise InvalidInput([FieldError("version", "Choose the version to move to.")])
    return int(value)


@bp.route("/processes/<process_id:process_id>/policies")
@login_required
def policies(process_id: str):
    _may_migrate()
    studio = services().studio
    return render_template("designer/migrate.html", process_id=process_id, versions=studio.versions(process_id),
                           policies=studio.migrations.running(process_id), results=None)


@bp.route("/processes/<process_id:process_id>/policies/<id:policy_id>/migrate", methods=["POST"])
@login_required
def migrate(process_id: str, policy_id: int):
    _may_migrate()
    number = _version()
    try:
        services().studio.migrations.migrate(actor(), policy_id, number)
    except (Conflict, NotFound) as refused:
        flash(f"Policy {policy_id} was not moved: {refused.message}", "error")
    else:
        flash(f"Policy {policy_id} now runs on version {number}.", "success")
    return redirect(url_for("designer.policies", process_id=process_id))


@bp.route("/processes/<process_id:process_id>/migrate-all", methods=["POST"])
@login_required
def migrate_all(process_id: str):
    _may_migrate()
    studio = services().studio
    results = studio.migrations.migrate_all(actor(), process_id, _version())
    return render_template("designer/migrate.html", process_id=process_id, versions=studio.versions(process_id),
                           policies=studio.migrations.running(process_id), results=results)
