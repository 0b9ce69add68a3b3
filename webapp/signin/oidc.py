"""Signing in through the trust's OpenID Connect provider (Microsoft Entra ID, NHS CIS2, ...).

Authorization code flow with PKCE (S256) and a nonce, through Authlib's Flask client: the
provider's endpoints and keys come from its discovery document; ``state`` and the PKCE
verifier wait in the session between the redirect and the callback, so a callback whose
state is not the one this browser was sent with is refused. The ID token's signature,
issuer, audience and nonce are checked by Authlib; the claims then go to
``workflows.policies.identities``, which decides who the person is here. The provider's
registration, and signing out there too, are in ``oidc_provider``.
"""
from __future__ import annotations

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import MismatchingStateError
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import login_user
from requests import RequestException

from webapp.context import services
from webapp.signin import oidc_provider
from webapp.signin.auth import SignedIn, safe_next
from workflows.policies.identities import ProviderPerson, SignInRefused, claimed_values

bp = Blueprint("oidc", __name__)
_NEXT = "oidc_next"


def _provider():
    provider = oidc_provider.registered()
    if provider is None:
        abort(404, "Single sign-on is not set up on this site.")
    return provider


def _refused(message: str, status: int):
    return render_template("login.html", error=message), status


@bp.get("/login/sso")
def start():
    provider = _provider()
    session[_NEXT] = safe_next(request.args.get("next"))
    try:
        return provider.authorize_redirect(url_for("oidc.callback", _external=True))
    except RequestException:
        return _refused(f"{current_app.config['OIDC_NAME']} cannot be reached just now; please try again "
                        "in a few minutes.", 503)


@bp.get("/login/sso/callback")
def callback():
    provider = _provider()
    name = current_app.config["OIDC_NAME"]
    try:
        token = provider.authorize_access_token()
        claims = {**provider.userinfo(token=token), **token["userinfo"]}
    except MismatchingStateError:
        return _refused("This sign-in did not start here, or it was altered on the way, so it was stopped. "
                        "Please sign in again.", 400)
    except AuthlibBaseError as error:
        current_app.logger.warning("Single sign-on refused by the provider or its answer: %s", error)
        return _refused(f"{name} did not sign you in ({getattr(error, 'description', None) or error}). "
                        "Please try again.", 400)
    except RequestException:
        return _refused(f"{name} cannot be reached just now; please try again in a few minutes.", 503)
    config = current_app.config
    person = ProviderPerson(
        issuer=claims.get("iss") or config["OIDC_ISSUER"], subject=str(claims["sub"]),
        username=str(claims.get("preferred_username") or claims.get("email") or claims["sub"]),
        email=claims.get("email"), values=claimed_values(claims.get(config["OIDC_ROLES_CLAIM"])),
        department=(str(claims[config["OIDC_DEPARTMENT_CLAIM"]]).strip() or None)
        if claims.get(config["OIDC_DEPARTMENT_CLAIM"]) else None)
    target = session.pop(_NEXT, None) or url_for("inbox.index")
    try:
        found = services().provider_signin.sign_in(person, config["OIDC_ROLE_MAP"], name)
    except SignInRefused as refused:
        return _refused(refused.message, 403)
    session.clear()
    login_user(SignedIn(found))
    oidc_provider.remember_sign_in(token)  # so that signing out here signs out there too
    session.permanent = True
    flash(f"Signed in as {found.username}.", "success")
    return redirect(target)
