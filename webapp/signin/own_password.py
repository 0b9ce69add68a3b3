"""Changing one's own password (from /settings): the current one is required, the new one must
pass the password rules, and every other session of the person ends."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_login import login_required, login_user

from webapp.context import services
from webapp.signin import throttle as signin_throttle
from webapp.signin.auth import SignedIn, actor
from workflows.errors import InvalidInput

bp = Blueprint("own_password", __name__)


@bp.route("/settings/password", methods=["GET", "POST"])
@login_required
def change():
    if not services().own_passwords.uses_password(actor().id):
        return render_template("own_password.html", errors={}, external=True)
    errors = {}
    if request.method == "POST":
        try:
            signed_in = services().own_passwords.change(actor().id, request.form.get("current_password", ""),
                                                        request.form.get("new_password", ""),
                                                        request.form.get("confirm_password", ""))
        except InvalidInput as error:
            errors = {e.field: e.message for e in error.errors}
            setattr(g, signin_throttle.WRONG_CURRENT_PASSWORD, "current_password" in errors)  # counted there
        else:
            # Every session ended with the change; this browser's starts again at once.
            session.clear()
            login_user(SignedIn(signed_in))
            session.permanent = True
            flash("Your password is changed. You are still signed in here; "
                  "everywhere else you have been signed out.", "success")
            return redirect(url_for("settings.index"))
    return render_template("own_password.html", errors=errors), (422 if errors else 200)
