"""The inbox: what the signed-in person can act on now."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from . import services
from .auth import actor

bp = Blueprint("inbox", __name__)


@bp.route("/inbox")
@login_required
def index():
    return render_template("inbox.html", tasks=services().queries.inbox(actor()))
