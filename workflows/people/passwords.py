"""Password hashes, and the same work for a name that has no account.

Checking a password costs one slow hash (scrypt: ~0.1 s). If an unknown username
were refused without that work, the answer would come back many times faster and
tell an attacker which usernames exist. So ``verify`` checks every password
against a hash: the person's own, or a dummy hash made with the same method.
"""
from __future__ import annotations

import secrets

from werkzeug.security import check_password_hash, generate_password_hash


class Passwords:
    """werkzeug password hashes made with one method (``scrypt`` in production)."""

    def __init__(self, method: str = "scrypt"):
        self.method = method
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        return generate_password_hash(password, method=self.method)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches ``stored_hash``; with no hash (no such person,
        or one who may not sign in) the password is checked against the dummy hash and
        refused, so both answers cost the same."""
        dummy = self.dummy_hash  # made on the first check of either kind, never mid-answer for one kind only
        if stored_hash is None:
            check_password_hash(dummy, password)
            return False
        return check_password_hash(stored_hash, password)

    @property
    def dummy_hash(self) -> str:
        """A hash of a random secret made with ``method``, so checking against it costs what a real check does."""
        if self._dummy is None:
            self._dummy = self.hash(secrets.token_urlsafe(32))
        return self._dummy
