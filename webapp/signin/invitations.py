"""The page behind an invitation's link: the invited person chooses their own password.

The link's secret is in the address, so the page is never cached and sends no referrer;
it works once, within 48 hours (see workflows/people_signin/invitations.py)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from webapp.context import services
from workflows.errors import InvalidInput

bp = Blueprint("invitations", __name__)
_PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def choose_password(token: str):
    invited = services().invitations.invited(token)  # LinkRefused: a 404 page that says why
    errors = {}
    if request.method == "POST":
        try:
            services().invitations.accept(token, request.form.get("new_password", ""),
                                          request.form.get("confirm_password", ""))
        except InvalidInput as error:
            errors = {e.field: e.message for e in error.errors}
        else:
            flash(f"Your password is set, {invited.username}. Sign in with it now.", "success")
            return redirect(url_for("auth.login"))
    return render_template("choose_password.html", invited=invited, errors=errors), (422 if errors else 200), _PRIVATE
