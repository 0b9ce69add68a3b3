"""Each person's standing preference on being recorded at work (SCoR item ii), per kind of recording.

Preferences change, new starters are asked, and rotas and room planning need the current
opt-outs; so they are kept here between consultations rather than only inside one. A person
reads and changes their own; the department's managers read their department's, by name;
nobody else does. Every change is audited (who, what, when) in the caller's transaction.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.errors import FieldError, Forbidden, InvalidInput, NotFound
from workflows.storage import audit
from workflows.storage.database import Database
from workflows.storage.schema import AuditEvent, Department, RecordingPreference, User, UserRole

KINDS = ("screen_photos", "video", "audio")
CHOICES = ("willing", "willing_with_conditions", "not_willing")
FIELDS = (*KINDS, "conditions")
KIND_LABELS = {"screen_photos": "Photos of the screen", "video": "Video", "audio": "Sound recording"}
CHOICE_LABELS = {"willing": "Willing", "willing_with_conditions": "Willing with conditions",
                 "not_willing": "Not willing"}
MAX_CONDITIONS = 10000
CHANGED = "recording_preferences_changed"


def empty() -> dict:
    return {name: None for name in FIELDS}


def checked(values: dict) -> dict:
    """The four fields, each a known choice or None; conditions are required when any kind has them."""
    errors, clean = [], empty()
    for kind in KINDS:
        value = values.get(kind)
        if value in (None, ""):
            continue
        if value not in CHOICES:
            errors.append(FieldError(kind, f"Choose one of: {', '.join(CHOICES)}."))
        else:
            clean[kind] = value
    conditions = values.get("conditions")
    if conditions is not None and not isinstance(conditions, str):
        errors.append(FieldError("conditions", "Conditions are text."))
    elif conditions and len(conditions) > MAX_CONDITIONS:
        errors.append(FieldError("conditions", f"At most {MAX_CONDITIONS} characters."))
    else:
        clean["conditions"] = (conditions or "").strip() or None
    if not errors and "willing_with_conditions" in (clean[k] for k in KINDS) and not clean["conditions"]:
        errors.append(FieldError("conditions", "Say what your conditions are: you are willing only with conditions."))
    if errors:
        raise InvalidInput(errors)
    return clean


def _view(row: RecordingPreference | None) -> dict:
    if row is None:
        return {**empty(), "updated_at": None}
    return {**{name: getattr(row, name) for name in FIELDS}, "updated_at": row.updated_at}


def entry(session: Session, user_id: int) -> dict:
    """A person's entry (every field None and ``updated_at`` None when they have none yet)."""
    return _view(session.get(RecordingPreference, user_id))


def record(session: Session, *, user_id: int, username: str, values: dict, actor: str, now: datetime,
           source: str) -> bool:
    """Write ``values`` (some of the four fields) over the person's entry, in the caller's
    transaction; audited with the entry before and after and where it came from (``source``:
    settings, the API, a consultation, an acknowledgement). Returns whether anything changed."""
    row = session.get(RecordingPreference, user_id)
    before = {name: getattr(row, name) if row else None for name in FIELDS}
    after = {**before, **{name: values[name] for name in FIELDS if name in values}}
    if row is not None and after == before:
        return False
    if row is None:
        row = RecordingPreference(user_id=user_id)
        session.add(row)
    for name in FIELDS:
        setattr(row, name, after[name])
    row.updated_at, row.updated_by = now, actor
    audit.record(session, at=now, actor=actor, action=CHANGED,
                 data={"username": username, "before": before, "after": after, "source": source})
    return True


def changes_since(session: Session, usernames: list[str], since: datetime | None) -> list[dict]:
    """How each of ``usernames``' entries changed after ``since`` (from the audit trail):
    ``[{"username", "before", "after", "at"}]``, only where the entry differs in the end."""
    query = select(AuditEvent.at, AuditEvent.data).where(AuditEvent.action == CHANGED).order_by(AuditEvent.id)
    if since is not None:
        query = query.where(AuditEvent.at > since)
    wanted, found = set(usernames), {}
    for at, data in session.execute(query):
        name = (data or {}).get("username")
        if name not in wanted:
            continue
        first = found.setdefault(name, {"username": name, "before": data.get("before") or empty()})
        first.update(after=data.get("after") or empty(), at=at)
    return [change for _, change in sorted(found.items()) if change["before"] != change["after"]]


class RecordingPreferences:
    """What pages and the API call: one's own entry, and a department's for its managers."""

    def __init__(self, database: Database, clock):
        self._db, self._clock = database, clock

    def own(self, actor) -> dict:
        with self._db.reading() as session:
            return entry(session, actor.id)

    def set_own(self, actor, values: dict, source: str) -> dict:
        """Replace one's own entry with ``values`` (a field left out has no answer)."""
        clean = checked(values)
        with self._db.transaction() as session:
            record(session, user_id=actor.id, username=actor.username, values=clean, actor=actor.username,
                   now=self._clock(), source=source)
            return entry(session, actor.id)

    def of_department(self, actor, department: str, offset: int = 0, limit: int = 50) -> list[dict]:
        """The department's active staff with their entries, by username: for its managers only
        (names are never shown to anyone else, staff included)."""
        if "manager" not in actor.roles or actor.department not in (None, department):
            raise Forbidden("Only the department's managers see its staff's recording preferences.")
        with self._db.reading() as session:
            dept = session.scalar(select(Department).where(Department.name == department))
            if dept is None:
                raise NotFound(f"There is no department called '{department}'.")
            rows = session.execute(
                select(User.username, RecordingPreference).join(UserRole, UserRole.user_id == User.id)
                .outerjoin(RecordingPreference, RecordingPreference.user_id == User.id)
                .where(User.department_id == dept.id, User.active.is_(True), UserRole.role == "staff")
                .order_by(User.username).offset(offset).limit(limit)).all()
        return [{"username": name, **_view(row)} for name, row in rows]

