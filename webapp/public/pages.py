"""Published policies, readable by anyone without signing in, as pages and as PDFs."""
from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, url_for
from flask_login import current_user

from webapp.context import services
from webapp.public import pdf
from workflows.policies import publication

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


def _version(policy_id: int, number: int | None):
    """(version, its history newest first, the latest number, this version's history entry if superseded)."""
    with services().database.reading() as session:
        version, numbers = publication.published(session, policy_id, number)
        entries = publication.history(session, policy_id)
        state = publication.public_states(session, [policy_id]).get(policy_id, {})
    this = next(entry for entry in entries if entry.number == version.number)
    return version, entries, numbers[-1], this if this.number != numbers[-1] else None, state


@bp.route("/published/<id:policy_id>")
@bp.route("/published/<id:policy_id>/v<id:number>")
def policy(policy_id: int, number: int | None = None):
    version, entries, latest, superseded, state = _version(policy_id, number)
    pdf_url = (url_for("public.policy_pdf", policy_id=policy_id) if number is None
               else url_for("public.version_pdf", policy_id=policy_id, number=number))
    return render_template("published_policy.html", version=version, entries=entries, latest=latest,
                           current=superseded, pdf_url=pdf_url, policy=state)


@bp.route("/published/<id:policy_id>.pdf")
@bp.route("/published/<id:policy_id>/v<id:number>.pdf", endpoint="version_pdf")
def policy_pdf(policy_id: int, number: int | None = None):
    version, entries, latest, _superseded, state = _version(policy_id, number)
    html = render_template("published_pdf.html", version=version, entries=entries, latest=latest, policy=state)
    name = f"policy-{policy_id}-v{version.number}.pdf"
    return Response(pdf.cached(version.id, html), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})
