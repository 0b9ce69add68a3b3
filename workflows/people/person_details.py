"""What a person's details must be: a username, known roles, an e-mail address.

Each check returns the problem on its field instead of raising it, so that adding or
changing a person finds every problem at once and a form shows each beside its field
(an admin who left out the roles and mistyped the address hears of both, not of one
and then the other).
"""
from __future__ import annotations

from collections.abc import Iterable

from workflows.errors import FieldError, InvalidInput

ROLES = ("manager", "staff", "patient_liaison", "employer", "insurer", "equality_lead", "information_governance", "committee",
         "process_designer", "admin")
MAX_EMAIL = 254
MAX_USERNAME = 80
#: The order a person's details are asked for, and their problems told.
_ORDER = ("username", "password", "role", "department", "email")


def username_problem(username: str) -> FieldError | None:
    if not username:
        return FieldError("username", "is required.")
    if len(username) > MAX_USERNAME or any(c.isspace() for c in username):
        return FieldError("username", f"A username has at most {MAX_USERNAME} characters and no spaces.")
    return None


def roles_problem(roles: list[str]) -> FieldError | None:
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        return FieldError("role", f"Unknown role {', '.join(unknown)}; roles are {', '.join(ROLES)}.")
    return None if roles else FieldError("role", "Give at least one role.")


def email_address(email: str | None) -> str | None:
    """The address as kept: trimmed, None when empty."""
    return (email or "").strip() or None


def email_problem(email: str | None) -> FieldError | None:
    """``email`` as ``email_address`` gives it."""
    if email is not None and (len(email) > MAX_EMAIL or "@" not in email.strip("@") or any(c.isspace() for c in email)):
        return FieldError("email", f"'{email[:60]}' is not an e-mail address.")
    return None


def refuse_any(problems: Iterable[FieldError | None]) -> None:
    """Raise every problem found (Nones are none), in the order the details are asked for."""
    found = [problem for problem in problems if problem is not None]
    if found:
        found.sort(key=lambda p: _ORDER.index(p.field) if p.field in _ORDER else len(_ORDER))
        raise InvalidInput(found)
