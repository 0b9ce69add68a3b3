"""The inbox: what the signed-in person can act on now."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from . import services
from .auth import actor
from .paging import neighbours, requested_page

bp = Blueprint("inbox", __name__)


@bp.route("/inbox")
@login_required
def index():
    page = requested_page()
    tasks = services().queries.inbox(actor(), page)
    return render_template("inbox.html", tasks=tasks, nav=neighbours(page, len(tasks)))
