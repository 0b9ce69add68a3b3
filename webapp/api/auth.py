"""Bearer-token authentication for the API (tokens are stored hashed).

A refused token gets 401 and, when it is one we issued, the reason (revoked or
expired); an unknown token gets the same answer as no token, so it learns nothing.
"""
from __future__ import annotations

from functools import wraps

from flask import g, request

from webapp.context import services
from webapp.plumbing.errors import respond
from workflows.people.accounts import TokenRefused


def require_token(view):
    """Answer 401 unless the request carries a usable API token."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        presented = scheme.lower() == "bearer" and token.strip()
        try:
            if not presented:
                raise TokenRefused()
            g.actor = services().accounts.by_token(token.strip())
        except TokenRefused as refused:
            response, status = respond(401, refused.message)
            challenge = 'Bearer realm="policyflow"' + (', error="invalid_token"' if presented else "")
            response.headers["WWW-Authenticate"] = challenge
            return response, status
        return view(*args, **kwargs)
    return wrapped
