"""People signed in by the trust's OpenID Connect provider.

The provider is the authority on who someone is and what they do: the first sign-in
creates the person, with the roles mapped from the provider's role or group values and
their department; every later sign-in reads both again and records any change in the
audit trail. A person is found by the provider's issuer and subject (``iss``, ``sub``),
never by a name or address, which can be reassigned. Someone none of whose values maps to
a role is refused, and no account is made for them.

A local account is never taken over: if the provider's username is already a local
person's, the sign-in is refused (an admin can rename one of them).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from workflows.errors import PolicyflowError
from workflows.people.accounts import MAX_EMAIL, Accounts, Actor
from workflows.people.passwords import Passwords
from workflows.policies.lifecycle_events import LifecycleEvents
from workflows.storage import audit
from workflows.storage.database import Database
from workflows.storage.schema import SignInIdentity, User, UserRole


class SignInRefused(PolicyflowError):
    """The provider vouched for the person, but policyflow does not let them in; says why."""

    http_status = 403


@dataclass(frozen=True)
class ProviderPerson:
    """What the provider said about a person, already read from its claims."""

    issuer: str
    subject: str
    username: str
    email: str | None
    values: tuple[str, ...]  # role or group values of the roles claim
    department: str | None


def claimed_values(claim) -> tuple[str, ...]:
    """A roles claim as values: a list of strings, or one string (some providers send one)."""
    if isinstance(claim, str):
        return (claim,)
    if isinstance(claim, (list, tuple)):
        return tuple(str(value) for value in claim if isinstance(value, (str, int)))
    return ()


class ProviderSignIn:
    def __init__(self, database: Database, accounts: Accounts, lifecycle: LifecycleEvents, clock,
                 password_method: str = "scrypt"):
        self._db, self._accounts, self._lifecycle, self._clock = database, accounts, lifecycle, clock
        self._passwords = Passwords(password_method)

    def sign_in(self, person: ProviderPerson, role_map: dict[str, list[str]], provider_name: str) -> Actor:
        """The policyflow person for ``person``, created or brought up to date (``SignInRefused``)."""
        roles = sorted({role for value in person.values for role in role_map.get(value, [])})
        now = self._clock()
        if not roles:
            with self._db.transaction() as session:
                audit.record(session, at=now, actor=person.username[:80], action="signin_refused",
                             data={"issuer": person.issuer, "subject": person.subject, "reason": "no mapped role"})
            raise SignInRefused(f"Your {provider_name} account does not give you a role in policyflow, so you "
                                "cannot sign in here. If you need to, ask your manager or the IT service desk "
                                "to add you to the right group.")
        with self._db.transaction() as session:
            identity = session.scalar(select(SignInIdentity).where(SignInIdentity.issuer == person.issuer,
                                                                   SignInIdentity.subject == person.subject))
            if identity is None:
                user, joined = self._create(session, person, roles, now), "staff" in roles
            else:
                user = session.get(User, identity.user_id)
                if not user.active:
                    raise SignInRefused(f"{user.username} is deactivated in policyflow; ask an admin.")
                identity.last_signed_in_at = now
                joined = self._update(session, user, person, roles, now)
            actor = Actor.of(user)
        if joined and actor.department:
            self._lifecycle.welcome_staff(actor.username, audit.SYSTEM_ACTOR)
        return actor

    def _department(self, session, name: str | None):
        return self._accounts.department(session, name[:200], create=True) if name else None

    def _create(self, session, person: ProviderPerson, roles: list[str], now: datetime) -> User:
        username = person.username[:80]
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise SignInRefused(f"There is already a policyflow account called {username} that was not made by "
                                "single sign-on; ask an admin to sort this out.")
        department = self._department(session, person.department)
        user = User(username=username, password_hash=self._passwords.hash(secrets.token_urlsafe(32)),
                    email=(person.email or None) and person.email[:MAX_EMAIL], department=department,
                    role_rows=[UserRole(role=r) for r in roles])
        session.add(user)
        session.flush()
        session.add(SignInIdentity(issuer=person.issuer, subject=person.subject, user_id=user.id,
                                   first_signed_in_at=now, last_signed_in_at=now))
        audit.record(session, at=now, actor=username, action="user_added",
                     data={"username": username, "roles": roles, "department": person.department,
                           "by": "single sign-on", "issuer": person.issuer})
        return user

    def _update(self, session, user: User, person: ProviderPerson, roles: list[str], now: datetime) -> bool:
        """Bring roles, department and address in line with the provider; whether they joined a
        department's staff."""
        before = (sorted(user.roles), user.department.name if user.department else None, user.email)
        user.role_rows = [UserRole(role=r) for r in roles]
        user.department = self._department(session, person.department)
        if person.email:
            user.email = person.email[:MAX_EMAIL]
        session.flush()
        after = (sorted(user.roles), user.department.name if user.department else None, user.email)
        changed = {key: new for key, old, new in zip(("roles", "department", "email"), before, after, strict=True)
                   if old != new}
        if changed:
            audit.record(session, at=now, actor=user.username, action="user_changed",
                         data={"username": user.username, **changed, "by": "single sign-on"})
        return "staff" in after[0] and after[1] is not None and ("staff" not in before[0] or before[1] != after[1])
