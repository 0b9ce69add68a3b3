"""People, roles, departments, passwords, sessions and API tokens."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from workflows.errors import Conflict, FieldError, InvalidInput, NotFound
from workflows.people import api_tokens, password_rules, person_details
from workflows.people.api_tokens import IssuedToken, TokenInfo, TokenRefused
from workflows.people.passwords import Passwords
from workflows.people.person_details import MAX_EMAIL, ROLES
from workflows.storage import audit
from workflows.storage.database import Database
from workflows.storage.schema import ApiToken, Department, User, UserRole

__all__ = ["MAX_EMAIL", "ROLES", "Accounts", "Actor", "IssuedToken", "Person", "TokenInfo", "TokenRefused"]


@dataclass(frozen=True)
class Actor:
    """The signed-in person as the services see them.

    ``session_version`` is the user's at the time this was read: a web session
    keeps it and is valid only while it still matches (see ``end_sessions``)."""

    id: int
    username: str
    roles: frozenset[str]
    department_id: int | None
    department: str | None
    session_version: int = field(default=1, compare=False)

    @classmethod
    def of(cls, user: User) -> "Actor":
        return cls(user.id, user.username, user.roles, user.department_id,
                   user.department.name if user.department else None, user.session_version)


# Every request reads its person (by token or session): one small Core query, built once
# (SQLAlchemy then reuses its compiled form), no ORM objects; a row per role.
_PERSON = (User.id.label("user_id"), User.username, User.department_id, Department.name.label("department"),
           User.session_version, User.active, UserRole.role)


def _people_query(*columns, via=None):
    """People with their department and roles (a row each); ``via`` is a join that reaches the
    users table (tokens)."""
    people = User.__table__ if via is None else via
    return select(*columns, *_PERSON).select_from(
        people.outerjoin(Department, User.department_id == Department.id)
        .outerjoin(UserRole, UserRole.user_id == User.id))


_BY_ID = _people_query().where(User.id == bindparam("user_id"))
_BY_TOKEN = _people_query(ApiToken.id, ApiToken.revoked_at, ApiToken.expires_at, ApiToken.last_used_at,
                          via=ApiToken.__table__.join(User.__table__, ApiToken.user_id == User.id)
                          ).where(ApiToken.token_hash == bindparam("token_hash"))


def _person(rows) -> Actor:
    """The person of a ``_people_query`` result (its rows differ only in the role)."""
    row = rows[0]
    roles = frozenset(r.role for r in rows if r.role is not None)
    return Actor(row.user_id, row.username, roles, row.department_id, row.department, row.session_version)


@dataclass(frozen=True)
class Person:
    """A user as the admin pages show them (never the password hash)."""

    id: int
    username: str
    email: str | None
    roles: tuple[str, ...]
    department: str | None
    active: bool
    mail_digest: bool

    @classmethod
    def of(cls, user: User) -> "Person":
        return cls(user.id, user.username, user.email, tuple(sorted(user.roles)),
                   user.department.name if user.department else None, user.active, bool(user.mail_digest))


class Accounts:
    def __init__(self, database: Database, clock, password_method: str = "scrypt"):
        self._db = database
        self._clock = clock
        self._passwords = Passwords(password_method)

    def department(self, session: Session, name: str, create: bool = False) -> Department:
        found = session.scalar(select(Department).where(Department.name == name))
        if found is None and create:
            found = Department(name=name)
            session.add(found)
            session.flush()
        if found is None:
            raise InvalidInput([FieldError("department", f"There is no department called '{name}'.")])
        return found

    def add_user(self, username: str, password: str, roles: list[str], department: str | None = None,
                 email: str | None = None, actor: str = audit.SYSTEM_ACTOR, mail_digest: bool = False,
                 errors: list[FieldError] = ()) -> Actor:
        """Add a person; every problem with what was given, with ``errors`` found by the caller,
        is raised at once, each on its field. The password is taken as given (see
        ``Administration.add_person`` for one a person chose)."""
        email = person_details.email_address(email)
        problems = [*errors, person_details.username_problem(username), person_details.roles_problem(roles),
                    person_details.email_problem(email), None if password else FieldError("password", "is required.")]
        with self._db.transaction() as session:
            if username and session.scalar(select(User.id).where(User.username == username)) is not None:
                problems.append(FieldError("username", f"The user '{username}' already exists."))
            person_details.refuse_any(problems)
            dept = self.department(session, department, create=True) if department else None
            user = User(username=username, password_hash=self._passwords.hash(password), email=email,
                        department=dept, role_rows=[UserRole(role=r) for r in sorted(set(roles))],
                        mail_digest=mail_digest)
            session.add(user)
            session.flush()
            audit.record(session, at=self._clock(), actor=actor, action="user_added",
                         data={"username": username, "roles": sorted(set(roles)), "department": department})
            return Actor.of(user)

    def authenticate(self, username: str, password: str) -> Actor | None:
        """The person, if the password is theirs. Unknown and inactive usernames cost
        the same hash check as a wrong password, so timing does not tell them apart."""
        with self._db.reading() as session:
            user = session.scalar(select(User).where(User.username == username))
            usable = user is not None and user.active
            if not self._passwords.verify(user.password_hash if usable else None, password):
                return None
            return Actor.of(user)

    def get(self, user_id: int) -> Actor | None:
        with self._db.reading() as session:
            connection = session.connection()
            rows = connection.execute(_BY_ID, {"user_id": user_id}).all()
            return _person(rows) if rows and rows[0].active else None

    def set_password(self, username: str, password: str, actor: str = audit.SYSTEM_ACTOR) -> None:
        """Give ``username`` a new password and end every session they had signed in. The password
        must pass the rules a person's own choice does (told the username and address)."""
        if not password:
            raise InvalidInput([FieldError("password", "is required.")])
        with self._db.transaction() as session:
            user = self._user(session, username)
            password_rules.check(password, password_rules.context_words(user.username, user.email))
            user.password_hash = self._passwords.hash(password)
            user.session_version += 1
            audit.record(session, at=self._clock(), actor=actor, action="password_changed", data={"username": username})

    def end_sessions(self, user_id: int) -> None:
        """End every web session of this person (signing out ends them on all devices):
        a session is valid only while it holds the user's current session version."""
        with self._db.transaction() as session:
            session.execute(update(User).where(User.id == user_id).values(session_version=User.session_version + 1))

    def issue_token(self, username: str, expires_in_days: int = api_tokens.DEFAULT_DAYS,
                    actor: str = audit.SYSTEM_ACTOR) -> IssuedToken:
        """A new API token for ``username``; only its hash is kept, so show it now."""
        now = self._clock()
        with self._db.transaction() as session:
            issued = api_tokens.issue(session, self._user(session, username), expires_in_days, now)
            audit.record(session, at=now, actor=actor, action="token_created",
                         data={"username": username, "token_id": issued.id, "expires_at": issued.expires_at.isoformat()})
        return issued

    def create_token(self, username: str, actor: str = audit.SYSTEM_ACTOR,
                     expires_in_days: int = api_tokens.DEFAULT_DAYS) -> str:
        """Just the secret of a new token (see ``issue_token``)."""
        return self.issue_token(username, expires_in_days, actor).token

    def by_token(self, token: str) -> Actor:
        """The person a request's API token stands for; ``TokenRefused`` says why not
        (revoked or expired, or nothing at all for a token never issued)."""
        now = self._clock()
        with self._db.reading() as session:
            connection = session.connection()
            rows = connection.execute(_BY_TOKEN, {"token_hash": api_tokens.token_hash(token)}).all()
            row = rows[0] if rows else None
            refused = api_tokens.refusal(row, now)
            if refused:
                raise refused
            actor, stale = _person(rows), api_tokens.needs_last_used(row, now)
        if stale:
            with self._db.transaction() as session:
                api_tokens.note_use(session, row.id, now)
        return actor

    def tokens_of(self, username: str) -> list[TokenInfo]:
        """Every token ``username`` was given, oldest first, without the secrets."""
        now = self._clock()
        with self._db.reading() as session:
            user = self._user(session, username)
            rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
            return [TokenInfo.of(row, now) for row in rows]

    def revoke_token(self, token_id: int, actor: str = audit.SYSTEM_ACTOR) -> TokenInfo:
        """Stop token ``token_id`` from working, at once and for good."""
        now = self._clock()
        with self._db.transaction() as session:
            row = session.get(ApiToken, token_id)
            if row is None:
                raise NotFound(f"There is no API token {token_id}.")
            # Guarded, so of two revocations at once one is recorded and the other told.
            revoked = session.execute(update(ApiToken).where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
                                      .values(revoked_at=now)).rowcount == 1
            if not revoked:
                session.refresh(row)
                raise Conflict(f"API token {token_id} of {row.user.username} was already revoked on "
                               f"{api_tokens.stamp(row.revoked_at)}.")
            audit.record(session, at=now, actor=actor, action="token_revoked",
                         data={"username": row.user.username, "token_id": token_id})
            return TokenInfo.of(row, now)

    def _user(self, session: Session, username: str) -> User:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"There is no user called '{username}'.")
        return user

    def staff_of(self, session: Session, department_id: int) -> list[str]:
        """Usernames of the department's active staff, in a stable order."""
        query = (select(User.username).join(UserRole).where(
            User.department_id == department_id, User.active.is_(True), UserRole.role == "staff").order_by(User.username))
        return list(session.scalars(query))

    def departments(self) -> list[str]:
        with self._db.reading() as session:
            return list(session.scalars(select(Department.name).order_by(Department.name)))

    # --- administration -----------------------------------------------------------------

    def people(self) -> list[Person]:
        with self._db.reading() as session:
            return [Person.of(user) for user in session.scalars(select(User).order_by(User.username))]

    def person(self, username: str) -> Person:
        with self._db.reading() as session:
            return Person.of(self._user(session, username))

    def update_user(self, username: str, *, roles: list[str], department: str | None, email: str | None,
                    mail_digest: bool, actor: str = audit.SYSTEM_ACTOR) -> tuple[Person, Person]:
        """Change a person's roles, department, address and mail preference; (before, after)."""
        email = person_details.email_address(email)
        problems = [person_details.roles_problem(roles), person_details.email_problem(email)]
        with self._db.transaction() as session:
            user = self._user(session, username)
            before = Person.of(user)
            found = session.scalar(select(Department).where(Department.name == department)) if department else None
            if department and found is None:
                problems.append(FieldError("department", f"There is no department called '{department}'."))
            person_details.refuse_any(problems)
            user.department = found
            user.email, user.mail_digest = email, mail_digest
            user.role_rows = [UserRole(role=r) for r in sorted(set(roles))]
            session.flush()
            after = Person.of(user)
            changed = {key: getattr(after, key) for key in ("roles", "department", "email", "mail_digest")
                       if getattr(before, key) != getattr(after, key)}
            if changed:
                audit.record(session, at=self._clock(), actor=actor, action="user_changed",
                             data={"username": username, **{k: list(v) if isinstance(v, tuple) else v
                                                            for k, v in changed.items()}})
            return before, after

    def set_mail_digest(self, user_id: int, digest: bool) -> None:
        """A person's own choice: mail at once, or one digest a day."""
        with self._db.transaction() as session:
            session.execute(update(User).where(User.id == user_id).values(mail_digest=digest))

    def deactivate(self, session: Session, username: str, actor: str, now) -> User:
        """Stop ``username`` signing in or using tokens, in the caller's transaction (see Administration)."""
        user = self._user(session, username)
        if not user.active:
            raise Conflict(f"{username} is already deactivated.")
        user.active = False
        user.session_version += 1
        audit.record(session, at=now, actor=actor, action="user_deactivated", data={"username": username})
        return user

    def reactivate(self, username: str, actor: str = audit.SYSTEM_ACTOR) -> None:
        with self._db.transaction() as session:
            user = self._user(session, username)
            if user.active:
                raise Conflict(f"{username} is active already.")
            user.active = True
            audit.record(session, at=self._clock(), actor=actor, action="user_reactivated", data={"username": username})

    def add_department(self, name: str, actor: str = audit.SYSTEM_ACTOR) -> str:
        name = (name or "").strip()
        if not name or len(name) > 200:
            raise InvalidInput([FieldError("name", "A department needs a name of at most 200 characters.")])
        with self._db.transaction() as session:
            if session.scalar(select(Department.id).where(Department.name == name)) is not None:
                raise InvalidInput([FieldError("name", f"There is already a department called '{name}'.")])
            session.add(Department(name=name))
            audit.record(session, at=self._clock(), actor=actor, action="department_added", data={"name": name})
        return name

    def rename_department(self, old: str, new: str, actor: str = audit.SYSTEM_ACTOR) -> str:
        new = (new or "").strip()
        if not new or len(new) > 200:
            raise InvalidInput([FieldError("name", "A department needs a name of at most 200 characters.")])
        with self._db.transaction() as session:
            dept = session.scalar(select(Department).where(Department.name == old))
            if dept is None:
                raise NotFound(f"There is no department called '{old}'.")
            if new != old and session.scalar(select(Department.id).where(Department.name == new)) is not None:
                raise InvalidInput([FieldError("name", f"There is already a department called '{new}'.")])
            dept.name = new
            audit.record(session, at=self._clock(), actor=actor, action="department_renamed",
                         data={"from": old, "to": new})
        return new
