"""Published policies, readable by anyone without signing in, as pages."""
from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user

from webapp.context import services
from webapp.public.blueprint import bp, copy_of
from workflows.policies import public_copies


@bp.route("/")
def index():
    """Signed-in people start at their inbox; everyone else at the published policies."""
    return redirect(url_for("inbox.index" if current_user.is_authenticated else "public.published"))


@bp.route("/published")
def published():
    with services().database.reading() as session:
        rows = public_copies.latest(session, services().clock().date())
    return render_template("published_list.html", rows=rows)


@bp.route("/published/<id:policy_id>")
@bp.route("/published/<id:policy_id>/v<id:number>")
def policy(policy_id: int, number: int | None = None):
    copy = copy_of(policy_id, number)
    pdf_url = (url_for("public.policy_pdf", policy_id=policy_id) if number is None
               else url_for("public.version_pdf", policy_id=policy_id, number=number))
    return render_template("published_policy.html", copy=copy, version=copy.version, entries=copy.entries,
                           latest=copy.latest, current=copy.superseded, pdf_url=pdf_url, status=copy.status)
