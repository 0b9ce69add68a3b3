"""The dashboard for managers and governance, and CSV exports of the policy list and audit trails."""
from __future__ import annotations

import csv
import io
import json

from flask import Blueprint, Response, render_template
from flask_login import login_required

from webapp.context import services
from webapp.signin.auth import actor
from workflows.policies.queries import MAX_LIMIT, Page

bp = Blueprint("dashboard", __name__)

POLICY_COLUMNS = ("id", "title", "department", "status", "risk_rating", "process", "created_by", "created_at",
                  "updated_at", "next_review_at", "suspended_at", "suspension_reason", "withdrawn_at",
                  "withdrawal_reason")
AUDIT_COLUMNS = ("at", "actor", "action", "task", "task_title", "process_version", "data")


def _csv(rows, columns, filename: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        if set(value) == {"id", "version"}:
            return f"{value['id']} v{value['version']}"
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    # A cell starting with = + - @ would run as a formula in a spreadsheet: keep it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _all(read):
    """Every item of a paged list."""
    offset = 0
    while True:
        page = read(Page(MAX_LIMIT, offset))
        yield from page
        if len(page) < MAX_LIMIT:
            return
        offset += MAX_LIMIT


@bp.get("/dashboard")
@login_required
def index():
    return render_template("dashboard.html", overview=services().dashboard.overview(actor()))


@bp.get("/dashboard/policies.csv")
@login_required
def policies_csv():
    rows = _all(lambda page: services().queries.policies(actor(), page))
    return _csv(rows, POLICY_COLUMNS, "policies.csv")


@bp.get("/policies/<id:policy_id>/audit.csv")
@login_required
def audit_csv(policy_id: int):
    rows = list(_all(lambda page: services().queries.audit_trail(actor(), policy_id, page)))
    return _csv(rows, AUDIT_COLUMNS, f"policy-{policy_id}-audit.csv")
