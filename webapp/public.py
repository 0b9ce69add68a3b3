"""Published policies, readable by anyone without signing in."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from workflows import publication

from . import services

bp = Blueprint("public", __name__)


@bp.route("/")
def index():
    """Signed-in people start at their inbox; everyone else at the published policies."""
    return redirect(url_for("inbox.index" if current_user.is_authenticated else "public.published"))


@bp.route("/published")
def published():
    with services().database.reading() as session:
        versions = publication.latest_versions(session)
        states = publication.public_states(session, [v.policy_id for v in versions])
    return render_template("published_list.html", versions=versions, states=states)


@bp.route("/published/<int:policy_id>")
@bp.route("/published/<int:policy_id>/v<int:number>")
def policy(policy_id: int, number: int | None = None):
    with services().database.reading() as session:
        version, numbers = publication.published(session, policy_id, number)
        state = publication.public_states(session, [policy_id]).get(policy_id, {})
    return render_template("published_policy.html", version=version, numbers=numbers, latest=numbers[-1], policy=state)
