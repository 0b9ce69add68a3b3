"""A person's own settings: mail at once or one digest a day, and their recording preferences."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from webapp.context import services
from webapp.signin.auth import actor
from workflows.errors import InvalidInput
from workflows.people.recording_preferences import CHOICES, FIELDS, KIND_LABELS

bp = Blueprint("settings", __name__)


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def index():
    if request.method == "POST":
        digest = request.form.get("mail") == "digest"
        services().accounts.set_mail_digest(actor().id, digest)
        flash("From now on you get one e-mail a day with everything new." if digest
              else "From now on you get an e-mail as soon as something is waiting for you.", "success")
        return redirect(url_for("settings.index"))
    return _page(services().recording_preferences.own(actor()), {})


@bp.post("/settings/recording-preferences")
@login_required
def recording_preferences():
    """Replace one's own recording preferences (a kind left unanswered has no answer)."""
    values = {name: request.form.get(name) or None for name in FIELDS}
    try:
        services().recording_preferences.set_own(actor(), values, source="settings")
    except InvalidInput as error:
        return _page(values, {e.field: e.message for e in error.errors}), 422
    flash("Your recording preferences are saved. Your department's managers see them; they are never published.",
          "success")
    return redirect(url_for("settings.index") + "#recording-preferences")


def _page(preferences: dict, errors: dict):
    person = services().accounts.person(actor().username)
    return render_template("settings.html", person=person, preferences=preferences, errors=errors,
                           kinds=KIND_LABELS, choices=CHOICES)
