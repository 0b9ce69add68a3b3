"""People, roles, departments and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from . import audit
from .errors import FieldError, InvalidInput, NotFound
from .schema import ApiToken, Department, User, UserRole
from .store import Database

ROLES = ("manager", "staff", "patient_liaison", "employer", "insurer", "process_designer", "admin")


@dataclass(frozen=True)
class Actor:
    """The signed-in person as the services see them."""

    id: int
    username: str
    roles: frozenset[str]
    department_id: int | None
    department: str | None

    @classmethod
    def of(cls, user: User) -> "Actor":
        return cls(user.id, user.username, user.roles, user.department_id,
                   user.department.name if user.department else None)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    def __init__(self, database: Database, clock, password_method: str = "scrypt"):
        self._db = database
        self._clock = clock
        self._password_method = password_method

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
                 email: str | None = None, actor: str = audit.SYSTEM_ACTOR) -> Actor:
        unknown = [r for r in roles if r not in ROLES]
        if unknown:
            raise InvalidInput([FieldError("role", f"Unknown role {', '.join(unknown)}; roles are {', '.join(ROLES)}.")])
        if not username or not password:
            raise InvalidInput([FieldError("username" if not username else "password", "is required.")])
        with self._db.transaction() as session:
            if session.scalar(select(User.id).where(User.username == username)) is not None:
                raise InvalidInput([FieldError("username", f"The user '{username}' already exists.")])
            dept = self.department(session, department, create=True) if department else None
            user = User(username=username, password_hash=generate_password_hash(password, method=self._password_method), email=email,
                        department=dept, role_rows=[UserRole(role=r) for r in sorted(set(roles))])
            session.add(user)
            session.flush()
            audit.record(session, at=self._clock(), actor=actor, action="user_added",
                         data={"username": username, "roles": sorted(set(roles)), "department": department})
            return Actor.of(user)

    def authenticate(self, username: str, password: str) -> Actor | None:
        with self._db.reading() as session:
            user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
            if user is None or not check_password_hash(user.password_hash, password):
                return None
            return Actor.of(user)

    def get(self, user_id: int) -> Actor | None:
        with self._db.reading() as session:
            user = session.get(User, user_id)
            return Actor.of(user) if user is not None and user.active else None

    def create_token(self, username: str, actor: str = audit.SYSTEM_ACTOR) -> str:
        """A new API token for ``username``; only its hash is kept, so show it now."""
        token = secrets.token_urlsafe(32)
        with self._db.transaction() as session:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                raise NotFound(f"There is no user called '{username}'.")
            session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), created_at=self._clock()))
            audit.record(session, at=self._clock(), actor=actor, action="token_created", data={"username": username})
        return token

    def by_token(self, token: str) -> Actor | None:
        with self._db.reading() as session:
            row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
            if row is None or not row.user.active:
                return None
            return Actor.of(row.user)

    def staff_of(self, session: Session, department_id: int) -> list[str]:
        """Usernames of the department's active staff, in a stable order."""
        query = (select(User.username).join(UserRole).where(
            User.department_id == department_id, User.active.is_(True), UserRole.role == "staff").order_by(User.username))
        return list(session.scalars(query))

    def departments(self) -> list[str]:
        with self._db.reading() as session:
            return list(session.scalars(select(Department.name).order_by(Department.name)))
