"""Signing in and out, and the signed-in person as a services Actor.

A session ends for good at sign-out and at a password change, even if its cookie
was copied: the session holds the user's session version with their id (Flask-
Login's ``get_id``), the user loader accepts it only while it is the user's current
one, and both events bump it (``Accounts.end_sessions``, ``Accounts.set_password``).
We chose this over server-side sessions: no new dependency or session table, no
extra query (the loader reads the user on every request anyway), and it works the
same for every worker process. The price: signing out ends that person's sessions
on every device, which the sign-out message says.
"""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user

from webapp.context import services
from webapp.signin import devices as signin_devices
from webapp.signin import oidc_provider
from webapp.signin import throttle as signin_throttle
from workflows.people.accounts import Actor

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to see that page."
login_manager.session_protection = "strong"


class SignedIn(UserMixin):
    def __init__(self, actor: Actor):
        self.actor = actor
        self.id = f"{actor.id}:{actor.session_version}"  # what the session keeps, see the module docstring


@login_manager.user_loader
def _load(session_id: str):
    """The person of a session, while its session version is still theirs."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    actor = services().accounts.get(int(user_id))
    return SignedIn(actor) if actor and actor.session_version == int(version) else None


def init_app(app) -> None:
    login_manager.init_app(app)
    signin_throttle.init_app(app)


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


def safe_next(target: str | None) -> str:
    """Only redirect back within this site."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("inbox.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST" and not current_app.config["LOCAL_SIGNIN"]:
        abort(403, "Sign in with your organisation's account: this site does not take passwords.")
    if request.method == "POST":
        found = services().accounts.authenticate(request.form.get("username", "").strip(),
                                                 request.form.get("password", ""))
        if found is None:
            error = "The username or password is not right."
        else:
            signin_throttle.forget_account_failures()
            session.clear()
            login_user(SignedIn(found))
            session.permanent = True
            flash(f"Signed in as {found.username}.", "success")
            return signin_devices.remember(redirect(safe_next(request.args.get("next"))), found.username)
    return render_template("login.html", error=error), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
def logout():
    """End the person's sessions here and, when they signed in through the trust's provider,
    send them on to end its session too (see ``oidc_provider``)."""
    unreachable = False
    try:  # read before the session is cleared
        at_provider = oidc_provider.sign_out_address(url_for("public.index", _external=True))
    except oidc_provider.ProviderUnreachable as error:
        current_app.logger.warning("Could not ask the single sign-on provider to sign out too: %s", error)
        at_provider, unreachable = None, True
    if current_user.is_authenticated:
        services().accounts.end_sessions(actor().id)
    logout_user()
    session.clear()
    signed_out = "You have signed out. Your sessions on other devices have ended too."
    if at_provider:  # on to the provider, which sends the browser back to the front page
        page = render_template("signing_out.html", address=at_provider, provider=current_app.config["OIDC_NAME"])
        flash(signed_out, "info")  # after the page is made: shown on coming back
        return page
    flash(signed_out, "info")
    if unreachable:
        flash(f"{current_app.config['OIDC_NAME']} could not be reached to sign you out there as well: close the "
              "browser to end that session.", "warning")
    return redirect(url_for("public.index"))
