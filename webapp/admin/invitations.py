"""A new link for a person to choose a password: for an invitation that expired, or a person
who forgot their password. The admin never sees or types the password."""
from __future__ import annotations

from flask import flash, redirect, url_for

from webapp.admin.blueprint import bp
from webapp.context import services
from webapp.signin.auth import actor


@bp.post("/users/<username>/invitation")
def send_invitation(username: str):
    expires_at = services().invitations.send(actor().username, username)
    person = services().accounts.person(username)
    flash(f"A link to choose a password is on its way to {person.email}; it works once, until "
          f"{expires_at:%d %b %Y %H:%M} UTC.", "success")
    return redirect(url_for("admin.user", username=username))
