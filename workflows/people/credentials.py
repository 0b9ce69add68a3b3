"""A person's own password: choosing it (from an invitation) and changing it (with the current one).

Either way the new password must pass the password rules, and every session signed in
before ends (the session version goes up); the page that changed it signs its own
browser in again, so only the *other* sessions end.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from workflows.errors import FieldError, InvalidInput, NotFound
from workflows.people import password_rules
from workflows.people.accounts import Actor
from workflows.people.passwords import Passwords
from workflows.storage import audit
from workflows.storage.database import Database
from workflows.storage.schema import SignInIdentity, User


def choose(session: Session, passwords: Passwords, user: User, password: str, confirmation: str, *,
           actor: str, now: datetime, errors: list[FieldError] | None = None) -> None:
    """Give ``user`` the password they chose, in the caller's transaction, if it passes the
    rules and matches its confirmation; otherwise raise every problem at once (with ``errors``
    found by the caller)."""
    errors = list(errors or [])
    found = password_rules.problem(password or "", password_rules.context_words(user.username, user.email))
    if found:
        errors.append(FieldError("new_password", found))
    elif password != confirmation:
        errors.append(FieldError("confirm_password", "The two new passwords are not the same; type it again."))
    if errors:
        raise InvalidInput(errors)
    user.password_hash = passwords.hash(password)
    user.session_version += 1
    audit.record(session, at=now, actor=actor, action="password_changed", data={"username": user.username})


class OwnPasswords:
    def __init__(self, database: Database, clock, password_method: str = "scrypt"):
        self._db, self._clock = database, clock
        self._passwords = Passwords(password_method)

    def uses_password(self, user_id: int) -> bool:
        """Whether this person signs in with a password here (not through the identity provider)."""
        with self._db.reading() as session:
            return not session.scalar(select(exists().where(SignInIdentity.user_id == user_id)))

    def change(self, user_id: int, current: str, new: str, confirmation: str) -> Actor:
        """Change the signed-in person's password; the current one is required, so a session
        left open cannot be turned into the account. Returns them with their new session version."""
        with self._db.transaction() as session:
            user = session.get(User, user_id)
            if user is None or not user.active:
                raise NotFound("You are not signed in.")
            errors = []
            if not self._passwords.verify(user.password_hash, current or ""):
                errors.append(FieldError("current_password", "This is not your current password."))
            elif new == current:
                errors.append(FieldError("new_password", "Choose a new password, not the one you have now."))
            choose(session, self._passwords, user, new, confirmation, actor=user.username, now=self._clock(),
                   errors=errors)
            session.flush()
            return Actor.of(user)
