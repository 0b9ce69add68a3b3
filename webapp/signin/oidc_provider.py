"""The trust's OpenID Connect provider as this site talks to it: registered with Authlib when
single sign-on is configured (endpoints and keys from its discovery document), and signing out
there too.

Signing out is OpenID Connect RP-Initiated Logout 1.0. A person who signed in through the
provider is sent on, once this site has ended their sessions, to the provider's
``end_session_endpoint`` when its discovery document offers one, so the provider's session ends
as well: otherwise the next "Sign in with ..." on a shared computer would go straight through
as them. The request carries the ID token they signed in with (``id_token_hint``, kept in the
session cookie) and this site's front page as ``post_logout_redirect_uri``, which the provider
must have registered beside the callback. A person who signed in with a password stays on this
site.
"""
from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from authlib.integrations.flask_client import OAuth
from flask import current_app, session
from requests import RequestException

EXTENSION = "policyflow.oidc"
_SCOPE = "openid profile email"
_SIGNED_IN = "oidc_signed_in"
# The session lives in a cookie, and browsers drop one over 4 KB: an ID token full of claims (a
# long list of groups, say) is left out, and the provider is told this site's client id instead
# (it then asks the person which account to sign out, or to confirm).
_HINT_MAX = 2000


class ProviderUnreachable(Exception):
    """The provider's discovery document could not be read, so it could not be told."""


def init_app(app) -> None:
    """Register the provider when single sign-on is configured (see webapp/signin/oidc_config.py)."""
    if not app.config.get("OIDC_ISSUER"):
        return
    oauth = OAuth(app)
    oauth.register("trust", client_id=app.config["OIDC_CLIENT_ID"], client_secret=app.config["OIDC_CLIENT_SECRET"],
                   server_metadata_url=app.config["OIDC_ISSUER"].rstrip("/") + "/.well-known/openid-configuration",
                   client_kwargs={"scope": _SCOPE, "code_challenge_method": "S256"})
    app.extensions[EXTENSION] = oauth


def registered():
    """The provider's Authlib client, or None when single sign-on is not set up."""
    oauth = current_app.extensions.get(EXTENSION)
    return oauth.trust if oauth is not None else None


def remember_sign_in(token: dict) -> None:
    """Mark this session as signed in through the provider (after the session was renewed)."""
    id_token = token.get("id_token")
    session[_SIGNED_IN] = {"id_token": id_token if id_token and len(id_token) <= _HINT_MAX else None}


def sign_out_address(after: str) -> str | None:
    """Where to send the browser so the provider ends its session too, coming back to ``after``;
    None when this session did not sign in through the provider, or the provider offers no
    sign-out. Read it before the session is cleared. ``ProviderUnreachable`` when the provider
    cannot be asked what it offers."""
    signed_in, provider = session.get(_SIGNED_IN), registered()
    if signed_in is None or provider is None:
        return None
    try:
        endpoint = provider.load_server_metadata().get("end_session_endpoint")
    except (RequestException, ValueError) as error:
        raise ProviderUnreachable(str(error)) from error
    if not isinstance(endpoint, str) or urlsplit(endpoint).scheme not in ("https", "http"):
        return None  # none offered (or not a web address: the browser is not sent there)
    hint = {"id_token_hint": signed_in["id_token"]} if signed_in.get("id_token") else {}
    query = urlencode({**hint, "client_id": provider.client_id, "post_logout_redirect_uri": after})
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
