"""Signing in and out, and the signed-in person as a services Actor."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user

from workflows.accounts import Actor

from . import services

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to see that page."
login_manager.session_protection = "strong"


class SignedIn(UserMixin):
    def __init__(self, actor: Actor):
        self.actor = actor
        self.id = str(actor.id)


@login_manager.user_loader
def _load(user_id: str):
    actor = services().accounts.get(int(user_id)) if user_id.isdigit() else None
    return SignedIn(actor) if actor else None


def init_app(app) -> None:
    login_manager.init_app(app)


def actor() -> Actor:
    return current_user.actor


def role_required(role: str):
    """Refuse (403) a signed-in person without ``role``."""
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if role not in actor().roles:
                abort(403, f"This page is for people with the {role.replace('_', ' ')} role.")
            return view(*args, **kwargs)
        return wrapped
    return decorate


def _safe_next(target: str | None) -> str:
    """Only redirect back within this site."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("inbox.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        found = services().accounts.authenticate(request.form.get("username", "").strip(),
                                                 request.form.get("password", ""))
        if found is None:
            error = "The username or password is not right."
        else:
            session.clear()
            login_user(SignedIn(found))
            session.permanent = True
            flash(f"Signed in as {found.username}.", "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", error=error), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("public.index"))
