"""Invitations: an admin adds a person, and the person chooses their own password through a
one-time link sent by mail, valid for 48 hours. No admin ever types another person's password.

The invited person exists from the start (so tasks and acknowledgements can wait for them)
with a random password nobody knows. The link's secret is kept only as a hash, like an API
token's. Using the link is a guarded update, so a link works once even if two tabs race, and
sending a new link ends the older ones (an admin's way to help a person who forgot their
password, without learning it).
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from workflows.errors import FieldError, InvalidInput, NotFound
from workflows.notifications import outbox
from workflows.notifications.notifier import Recipient
from workflows.notifications.settings import MailSettings
from workflows.people import credentials
from workflows.people.accounts import Actor, Person
from workflows.people.passwords import Passwords
from workflows.policies.administration import Administration
from workflows.storage import audit
from workflows.storage.database import Database
from workflows.storage.schema import Invitation, User

VALID_FOR = timedelta(hours=48)


class LinkRefused(NotFound):
    """The link was never sent, was used already, was replaced by a newer one or has expired."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Invited:
    """Who a link is for, as its page shows it."""

    username: str
    expires_at: datetime


@dataclass(frozen=True)
class Pending:
    """An invitation not accepted yet, as the admin's list of people shows it: when the person was
    first invited, when their latest link was sent and until when it works."""

    invited_at: datetime
    sent_at: datetime
    expires_at: datetime
    expired: bool


def _mail_body(base: str, username: str, link: str, expires_at: datetime, by: str) -> str:
    return (f"Hello {username},\n\n{by} has given you an account on policyflow, where your department's "
            f"policies are drafted, consulted on and signed off.\n\n"
            f"Choose your password here (the link works once, until {expires_at:%d %b %Y %H:%M} UTC):\n{link}\n\n"
            f"Your username is {username}. If you did not expect this, you can ignore this message.\n\n"
            f"--\npolicyflow · {base}\n")


class Invitations:
    def __init__(self, database: Database, administration: Administration, mail: MailSettings, clock,
                 password_method: str = "scrypt"):
        self._db, self._administration, self._mail, self._clock = database, administration, mail, clock
        self._passwords = Passwords(password_method)

    def invite(self, actor: str, username: str, email: str | None, roles: list[str],
               department: str | None = None, mail_digest: bool = False) -> Person:
        """Add ``username`` with a password nobody knows, and mail them a link to choose one. Every
        problem with the details is told at once."""
        no_address = FieldError("email", "An invitation needs the person's e-mail address: the link to choose a "
                                         "password goes there.")
        person = self._administration.add_person(actor, username, secrets.token_urlsafe(32), roles, department,
                                                 email, mail_digest, errors=[] if (email or "").strip() else [no_address])
        self.send(actor, username)
        return person

    def send(self, actor: str, username: str) -> datetime:
        """Mail ``username`` a new link (the older ones stop working); when it expires."""
        now = self._clock()
        token = secrets.token_urlsafe(32)
        with self._db.transaction() as session:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                raise NotFound(f"There is no user called '{username}'.")
            if not user.active:
                raise InvalidInput([FieldError("username", f"{username} is deactivated; reactivate them first.")])
            if not user.email:
                raise InvalidInput([FieldError("email", f"{username} has no e-mail address to send the link to.")])
            session.execute(update(Invitation).where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
                            .values(used_at=now))
            expires_at = now + VALID_FOR
            session.add(Invitation(user_id=user.id, token_hash=_hash(token), created_by=actor, created_at=now,
                                   expires_at=expires_at))
            link = f"{self._mail.link_base}/invitations/{token}"
            outbox.enqueue(session, Recipient(user.username, user.email, False, user.department_id),
                           kind="invitation", subject="Choose your policyflow password",
                           body=_mail_body(self._mail.link_base, username, link, expires_at, actor), now=now)
            audit.record(session, at=now, actor=actor, action="invitation_sent",
                         data={"username": username, "expires_at": expires_at.isoformat()})
        return expires_at

    def pending(self, username: str | None = None) -> dict[str, Pending]:
        """Everyone invited (or ``username`` alone) who has not chosen a password through a link yet,
        by username; a person who accepted once and was sent a new link since is not "invited"."""
        now = self._clock()
        accepted = select(Invitation.user_id).where(Invitation.accepted_at.is_not(None))
        query = (select(User.username, Invitation.created_at, Invitation.expires_at, Invitation.used_at)
                 .join(Invitation, Invitation.user_id == User.id).where(Invitation.user_id.not_in(accepted))
                 .order_by(Invitation.user_id, Invitation.created_at, Invitation.id))
        with self._db.reading() as session:
            rows = session.execute(query if username is None else query.where(User.username == username)).all()
        first, latest = {}, {}
        for row in rows:  # oldest first: the first invitation, then the latest link
            first.setdefault(row.username, row.created_at)
            latest[row.username] = row
        return {name: Pending(first[name], row.created_at, row.expires_at, row.expires_at <= now)
                for name, row in latest.items() if row.used_at is None}

    def _usable(self, session, token: str) -> tuple[Invitation, User]:
        invitation = session.scalar(select(Invitation).where(Invitation.token_hash == _hash(token or "")))
        user = session.get(User, invitation.user_id) if invitation else None
        if invitation is None or invitation.used_at is not None or invitation.expires_at <= self._clock() \
                or user is None or not user.active:
            raise LinkRefused("This link does not work any more: it was used already, a newer one was sent, "
                              "or it is more than 48 hours old. Ask an admin to send you a new one.")
        return invitation, user

    def invited(self, token: str) -> Invited:
        """Who the link ``token`` is for, if it still works (``LinkRefused`` otherwise)."""
        with self._db.reading() as session:
            invitation, user = self._usable(session, token)
            return Invited(user.username, invitation.expires_at)

    def accept(self, token: str, password: str, confirmation: str) -> Actor:
        """Set the password chosen through the link ``token``, which then stops working."""
        now = self._clock()
        with self._db.transaction() as session:
            invitation, user = self._usable(session, token)
            credentials.choose(session, self._passwords, user, password, confirmation, actor=user.username, now=now)
            used = session.execute(update(Invitation).where(Invitation.id == invitation.id,
                                                            Invitation.used_at.is_(None))
                                   .values(used_at=now, accepted_at=now)).rowcount
            if used != 1:
                raise LinkRefused("This link was used a moment ago; sign in with the password chosen then.")
            audit.record(session, at=now, actor=user.username, action="invitation_accepted",
                         data={"username": user.username})
            session.flush()
            return Actor.of(user)
