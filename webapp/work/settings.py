"""A person's own settings: mail at once, or one digest a day."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from webapp.context import services
from webapp.signin.auth import actor

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
    person = services().accounts.person(actor().username)
    return render_template("settings.html", person=person)
