"""Bearer-token authentication for the API (tokens are stored hashed)."""
from __future__ import annotations

from functools import wraps

from flask import g, request

from .. import services
from ..errors import respond


def require_token(view):
    """Answer 401 unless the request carries a known API token."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        actor = services().accounts.by_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
        if actor is None:
            response, status = respond(401, "Send a valid API token as 'Authorization: Bearer TOKEN'.")
            response.headers["WWW-Authenticate"] = 'Bearer realm="policyflow"'
            return response, status
        g.actor = actor
        return view(*args, **kwargs)
    return wrapped
