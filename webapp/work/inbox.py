"""The inbox: what the signed-in person can act on now."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from webapp.context import services
from webapp.plumbing.paging import neighbours, requested_page
from webapp.signin.auth import actor

bp = Blueprint("inbox", __name__)


@bp.route("/inbox")
@login_required
def index():
    page = requested_page()
    tasks = services().queries.inbox(actor(), page)
    return render_template("inbox.html", tasks=tasks, nav=neighbours(page, len(tasks)))
