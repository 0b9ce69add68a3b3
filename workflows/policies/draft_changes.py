"""The draft as each round left it, and what changed between two rounds.

Every completion that saves the policy draft (drafting, each revision) is kept as
a numbered round beside the policy, so a reviewer in the second sign-off round
sees exactly what the manager changed since the first, field by field, with the
words added and removed in each text, without any workflow being loaded.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflows.forms import meaning as form_meaning
from workflows.storage.schema import DraftRound

_WORDS = re.compile(r"\S+|\s+")


@dataclass(frozen=True)
class TextPiece:
    kind: str  # "same", "added" or "removed"
    text: str


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    change: str  # "changed", "added" or "removed"
    before: str | list[str] | None
    after: str | list[str] | None
    #: Word by word, for text that changed (empty for choices and numbers).
    pieces: list[TextPiece] = field(default_factory=list)


@dataclass(frozen=True)
class DraftChanges:
    """What round ``number`` (saved by ``by`` in “``title``”) changed since round ``since``."""

    since: int
    since_title: str
    since_at: datetime
    number: int
    title: str
    by: str
    at: datetime
    fields: list[FieldChange]


def record(session: Session, *, policy_id: int, task_id: str, task_title: str, by: str, at: datetime,
           draft: dict) -> None:
    """Keep the draft as this completion left it, as the policy's next round."""
    number = (session.scalar(select(func.max(DraftRound.number)).where(DraftRound.policy_id == policy_id)) or 0) + 1
    session.add(DraftRound(policy_id=policy_id, number=number, task_id=task_id, task_title=task_title,
                           saved_by=by, saved_at=at, draft=draft))


def since_last_round(session: Session, policy_id: int, form: dict) -> DraftChanges | None:
    """What the latest round changed since the one before (None before there are two)."""
    latest = list(session.scalars(select(DraftRound).where(DraftRound.policy_id == policy_id)
                                  .order_by(DraftRound.number.desc()).limit(2)))
    if len(latest) < 2:
        return None
    now, before = latest
    return DraftChanges(before.number, before.task_title, before.saved_at, now.number, now.task_title, now.saved_by,
                        now.saved_at, compare(form, before.draft or {}, now.draft or {}))


def compare(form: dict, before: dict, after: dict) -> list[FieldChange]:
    """Each field of ``form`` whose value differs, in form order (fields that start empty
    every round, such as revision notes, are not compared)."""
    changes = []
    for name, prop in form_meaning.props(form).items():
        if prop.get("x-startsEmpty"):
            continue
        old, new = before.get(name), after.get(name)
        if _blank(old) and _blank(new) or _same(prop, old, new):
            continue
        kind = "added" if _blank(old) else "removed" if _blank(new) else "changed"
        shown_old = None if _blank(old) else form_meaning.display(prop, old)
        shown_new = None if _blank(new) else form_meaning.display(prop, new)
        pieces = (word_diff(shown_old, shown_new) if kind == "changed" and isinstance(shown_old, str)
                  and isinstance(shown_new, str) and prop.get("type") == "string" and "enum" not in prop else [])
        changes.append(FieldChange(name, form_meaning.label(form, name), kind, shown_old, shown_new, pieces))
    return changes


def _same(prop: dict, old, new) -> bool:
    """Whether a person would call the two answers the same: the options ticked in a multi-select
    in any order, and text whatever its line endings (a browser sends CRLF, the API usually LF)."""
    if isinstance(old, list) and isinstance(new, list) and "enum" in (prop.get("items") or {}):
        return sorted(map(str, old)) == sorted(map(str, new))
    if isinstance(old, str) and isinstance(new, str):
        return old.replace("\r\n", "\n") == new.replace("\r\n", "\n")
    return old == new


def word_diff(before: str, after: str) -> list[TextPiece]:
    """The words of ``after`` with those removed from ``before`` and those added marked, phrase by phrase.

    Word by word, a reworded sentence reads as removed and added words interleaved
    ("~~ask~~photograph ~~for~~the"); changes that only a space or a short word
    ("a", "the", "to") keep apart are joined into one phrase, so each change reads as
    the whole phrase removed, then the whole phrase that replaced it.
    """
    old, new = _WORDS.findall(before), _WORDS.findall(after)
    runs: list[list[str]] = []  # ["same", text] or ["changed", removed, added]
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            runs.append(["same", "".join(old[i1:i2])])
        else:
            runs.append(["changed", "".join(old[i1:i2]), "".join(new[j1:j2])])
    joined: list[list[str]] = []
    for index, run in enumerate(runs):
        between = (run[0] == "same" and 0 < index < len(runs) - 1 and joined and joined[-1][0] == "changed"
                   and _joins(run[1]))
        if between:  # a short gap inside a change: part of the phrase on both sides
            joined[-1][1] += run[1]
            joined[-1][2] += run[1]
        elif run[0] == "changed" and joined and joined[-1][0] == "changed":
            joined[-1][1] += run[1]
            joined[-1][2] += run[2]
        else:
            joined.append(list(run))
    pieces: list[TextPiece] = []
    for run in joined:
        if run[0] == "same":
            pieces.append(TextPiece("same", run[1]))
            continue
        removed, added = run[1].strip(), run[2].strip()
        if run[1][:1].isspace() or run[2][:1].isspace():  # spaces around a phrase are not part of the change
            pieces.append(TextPiece("same", " "))
        if removed:
            pieces.append(TextPiece("removed", removed))
        if added:
            pieces.append(TextPiece("added", added))
        if (run[2] or run[1])[-1:].isspace():
            pieces.append(TextPiece("same", " "))
    return pieces


def _joins(text: str) -> bool:
    """Whether unchanged text between two changes is short enough to read as part of one phrase."""
    words = text.split()
    return len(words) <= 1 and len(text.strip()) <= 4


def _blank(value) -> bool:
    return value is None or value == "" or value == []
