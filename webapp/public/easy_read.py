"""The easy read version of a published policy: the summary written for it in the draft,
one short sentence a line, with its picture's description."""
from __future__ import annotations

from flask import abort, render_template

from webapp.public.blueprint import bp, copy_of


@bp.route("/published/<id:policy_id>/easy-read")
def easy_read(policy_id: int):
    copy = copy_of(policy_id)
    if not copy.version.content.get("easy_read"):
        abort(404, f"Policy {policy_id} has no easy read version yet; ask the department for one.")
    return render_template("published_easy_read.html", copy=copy, version=copy.version, status=copy.status,
                           easy_read=copy.version.content["easy_read"])
