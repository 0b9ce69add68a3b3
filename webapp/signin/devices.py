"""Device cookies (OWASP's "Slow Down Online Guessing Attacks with Device Cookies").

A browser that signed in to an account gets a signed cookie naming that account (by a hash
of the username) with a random nonce. Later sign-ins to the same account from that browser
are counted under the device, not under the network address: failures an attacker causes
elsewhere, or behind the same shared hospital address, do not hold up the owner's browser.
A device that keeps failing is paused on its own, like an address. The cookie proves only
that this browser signed in to this account before; it never signs anyone in.

One cookie holds up to ``MAX_ACCOUNTS`` accounts (a shared ward computer), newest first, and
lasts a year from the last sign-in.
"""
from __future__ import annotations

import hashlib
import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "policyflow_device"
MAX_AGE_SECONDS = 365 * 24 * 3600
MAX_ACCOUNTS = 5
_SALT = "policyflow-signin-device"


def account_hash(username: str) -> str:
    """The username as the throttling keys and the cookie name it: fixed length, not readable."""
    return hashlib.sha256(username.encode()).hexdigest()[:32]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _entries() -> list[list[str]]:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return []
    try:
        entries = _serializer().loads(raw, max_age=MAX_AGE_SECONDS)
    except BadSignature:  # forged, altered, expired or signed with another key: no device
        return []
    return [e for e in entries if isinstance(e, list) and len(e) == 2 and all(isinstance(p, str) for p in e)] \
        if isinstance(entries, list) else []


def device_of(username: str) -> str | None:
    """The nonce of this browser's device cookie for ``username``, if it signed in to it before."""
    wanted = account_hash(username)
    return next((nonce for account, nonce in _entries() if account == wanted), None)


def remember(response, username: str):
    """After a successful sign-in: this browser is a known device of ``username``."""
    wanted = account_hash(username)
    entries = _entries()
    nonce = next((n for account, n in entries if account == wanted), None) or secrets.token_urlsafe(16)
    entries = [[wanted, nonce], *[e for e in entries if e[0] != wanted]][:MAX_ACCOUNTS]
    response.set_cookie(COOKIE, _serializer().dumps(entries), max_age=MAX_AGE_SECONDS, httponly=True,
                        samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
