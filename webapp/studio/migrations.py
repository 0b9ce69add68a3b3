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


def _rename() -> dict[str, str]:
    """The "old = new" lines of the form's rename box (empty lines ignored)."""
    rename = {}
    for line in request.form.get("rename", "").splitlines():
        if not line.strip():
            continue
        old, sep, new = line.replace("→", "=").partition("=")
        if not sep:
            raise InvalidInput([FieldError("rename", f"Write each rename as old = new (not '{line[:80]}').")])
        rename[old.strip()] = new.strip()
    return rename


def _rename_text(rename: dict[str, str]) -> str:
    return "\n".join(f"{old} = {new}" for old, new in rename.items())


def _page(process_id: str, results):
    studio = services().studio
    versions = studio.versions(process_id)
    latest = max((v.version for v in versions), default=None)
    proposals = studio.migrations.proposals(process_id, latest) if latest else {}
    every = {}
    for found in proposals.values():
        every.update(found)
    return render_template("designer/migrate.html", process_id=process_id, versions=versions, latest=latest,
                           policies=studio.migrations.running(process_id), results=results,
                           proposals={number: _rename_text(found) for number, found in proposals.items()},
                           all_proposals=_rename_text(every))


def _version() -> int:
    value = request.form.get("version", "")
    if not value.isdigit():
        raise InvalidInput([FieldError("version", "Choose the version to move to.")])
    return int(value)


@bp.route("/processes/<process_id:process_id>/policies")
@login_required
def policies(process_id: str):
    _may_migrate()
    return _page(process_id, None)


@bp.route("/processes/<process_id:process_id>/policies/<id:policy_id>/migrate", methods=["POST"])
@login_required
def migrate(process_id: str, policy_id: int):
    _may_migrate()
    number = _version()
    try:
        services().studio.migrations.migrate(actor(), policy_id, number, _rename())
    except (Conflict, NotFound) as refused:
        flash(f"Policy {policy_id} was not moved: {refused.message}", "error")
    else:
        flash(f"Policy {policy_id} now runs on version {number}.", "success")
    return redirect(url_for("designer.policies", process_id=process_id))


@bp.route("/processes/<process_id:process_id>/migrate-all", methods=["POST"])
@login_required
def migrate_all(process_id: str):
    _may_migrate()
    results = services().studio.migrations.migrate_all(actor(), process_id, _version(), _rename())
    return _page(process_id, results)
