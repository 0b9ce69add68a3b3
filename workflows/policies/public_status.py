"""What every public copy of a published version says about its status, on the day it is read.

A printed or forwarded copy outlives the page it came from, so the page, the list,
every PDF's first page and every PDF page's footer all say the same thing, worked out
here from the version's dates and the policy's suspension or withdrawal. "In force"
is only claimed from the effective date; a version whose review date has passed
"remains in force while under review". ``PublicStatus.key`` is everything a copy's
wording depends on, so a copy kept (a cached PDF) is never served once it changed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

IN_FORCE, COMES_INTO_FORCE = "in force", "comes into force"
SUSPENDED, WITHDRAWN, OVERDUE, SUPERSEDED = "suspended", "withdrawn", "overdue for review", "superseded"
#: The words the public list shows (a superseded version is never the one listed).
LIST_WORDS = (IN_FORCE, COMES_INTO_FORCE, SUSPENDED, WITHDRAWN, OVERDUE)


@dataclass(frozen=True)
class Notice:
    """One thing a reader must know before trusting the copy: ``title`` in bold, then ``text``."""

    kind: str       # one of the status words: the notice's style
    title: str
    text: str = ""
    short: str = ""  # what a PDF's footer carries on every page


@dataclass(frozen=True)
class PublicStatus:
    word: str                 # the status word shown in the list
    line: str                 # "In force from …", "Comes into force on …", or how it stopped applying
    notices: tuple[Notice, ...]
    checked_on: date

    @property
    def key(self) -> tuple:
        """What the wording of a copy depends on (the checked date included: it is printed)."""
        return (self.word, self.line, self.notices, self.checked_on)

    @property
    def footer(self) -> str:
        return " · ".join(notice.short for notice in self.notices if notice.short)


def day(value: date | datetime | None) -> str:
    return f"{value:%d %b %Y}" if value else ""


def public_status(*, number: int, effective_date: date, review_date: date | None, latest: int,
                  superseded_on: date | None, state: dict, today: date) -> PublicStatus:
    """The status of version ``number`` (of ``latest``) today; ``state`` as ``publication.public_states``
    gives it (``suspended_at``/``withdrawn_at`` with their reasons), ``superseded_on`` the day the next
    version takes effect."""
    notices: list[Notice] = []
    withdrawn, suspended = state.get("withdrawn_at"), state.get("suspended_at")
    current, starts = number == latest, effective_date > today
    replaced_later = not current and superseded_on is not None and superseded_on > today
    overdue = current and review_date is not None and review_date < today and not (withdrawn or suspended)
    if withdrawn:
        notices.append(Notice(WITHDRAWN, f"This policy was withdrawn on {day(withdrawn)}",
                              f"and no longer applies. Reason: {state.get('withdrawal_reason') or 'not given'}",
                              f"WITHDRAWN on {day(withdrawn)}: no longer applies"))
    if not current:
        notices.append(Notice(
            SUPERSEDED, f"This version is replaced by version {latest} from {day(superseded_on)}." if replaced_later
            else "This version is superseded.", f"Version {latest} is the current version.",
            f"SUPERSEDED by version {latest}"))
    if suspended and not withdrawn:
        notices.append(Notice(SUSPENDED, f"This policy has been suspended since {day(suspended)}",
                              "and does not apply until it is resumed. "
                              f"Reason: {state.get('suspension_reason') or 'not given'}",
                              f"SUSPENDED since {day(suspended)}: does not apply"))
    if overdue:
        notices.append(Notice(OVERDUE, "Overdue for review:",
                              f"this policy remains in force while under review since {day(review_date)}.",
                              f"OVERDUE FOR REVIEW: remains in force while under review since {day(review_date)}"))
    if starts and current and not withdrawn:
        notices.append(Notice(COMES_INTO_FORCE, "Not yet in force:",
                              f"this policy comes into force on {day(effective_date)} and does not apply before then.",
                              f"NOT YET IN FORCE: comes into force on {day(effective_date)}"))
    if withdrawn:
        word, line = WITHDRAWN, f"Withdrawn on {day(withdrawn)}"
    elif not current:
        word, line = SUPERSEDED, (f"In force from {day(effective_date)} until {day(superseded_on)}" if replaced_later
                                  else f"Applied from {day(effective_date)}"
                                  + (f" until {day(superseded_on)}" if superseded_on else ""))
    elif suspended:
        word, line = SUSPENDED, f"Suspended since {day(suspended)}"
    elif starts:
        word, line = COMES_INTO_FORCE, f"Comes into force on {day(effective_date)}"
    elif overdue:
        word, line = OVERDUE, f"In force from {day(effective_date)}; under review since {day(review_date)}"
    else:
        word, line = IN_FORCE, f"In force from {day(effective_date)}"
    return PublicStatus(word, line, tuple(notices), today)
