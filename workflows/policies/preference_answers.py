"""Tasks whose forms ask a person's recording preference: they start from the person's
standing entry, and answering them updates it.

Which fields these are is marked in the form (``"x-preference"``, see
``workflows.forms.meaning``), never known by name or by task: the default diagram marks the
staff consultation and the acknowledgement (so a new starter is asked), and a designer may
mark any per-person task's form. Only a task for one person (its ``assignee``) answered by
that person touches their entry.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.forms import meaning
from workflows.people import recording_preferences as register
from workflows.storage.schema import User


def _user_id(session: Session, username: str | None) -> int | None:
    return session.scalar(select(User.id).where(User.username == username)) if username else None


def starting(session: Session, form: dict, username: str | None) -> dict:
    """The answers ``form``'s marked fields start with, from ``username``'s entry (unset ones left out).
    A field marked ``all`` starts with the one answer every kind shares, if they share one."""
    fields = meaning.preference_fields(form)
    user_id = _user_id(session, username) if fields else None
    if user_id is None:
        return {}
    entry = register.entry(session, user_id)
    kinds = {entry[kind] for kind in register.KINDS}
    values = {}
    for name, mark in fields.items():
        value = (kinds.pop() if len(kinds) == 1 else None) if mark == "all" else entry.get(mark)
        if value is not None:
            values[name] = value
    return values


def answered(form: dict, answers: dict) -> dict:
    """The entry fields ``answers`` give: each kind answered on its own, else the ``all`` answer."""
    given = {mark: answers.get(name) for name, mark in meaning.preference_fields(form).items()
             if answers.get(name) not in (None, "")}
    common = given.pop("all", None)
    values = {kind: given.get(kind, common) for kind in register.KINDS if given.get(kind, common) is not None}
    if values and "conditions" in meaning.preference_fields(form).values():
        values["conditions"] = (given.get("conditions") or "").strip() or None
    return {name: value for name, value in values.items()
            if name == "conditions" or value in register.CHOICES}


def update(session: Session, *, form: dict, answers: dict, assignee: str | None, actor: str, now: datetime,
           source: str) -> None:
    """Write what a completed task said about its person's preference into their entry
    (in the completion's transaction)."""
    if assignee is None or assignee != actor:
        return
    values = answered(form, answers)
    user_id = _user_id(session, assignee) if values else None
    if user_id is not None:
        register.record(session, user_id=user_id, username=assignee, values=values, actor=actor, now=now,
                        source=source)
