"""The professional guidance the policies implement, and what a new version of it sets off.

Each policy's draft names the guidance it implements (its fields marked
``guidance-title`` and ``guidance-date``). ``policyflow guidance set "TITLE" --date
YYYY-MM-DD`` records a new version: every published policy whose draft names an
older date (or none) comes up for an early review at once, saying why, and each
is audited. A policy already under review is left to weigh the new guidance there.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from workflows.engine.diagram_map import merged_form
from workflows.errors import Conflict, FieldError, InvalidInput
from workflows.forms import meaning as form_meaning
from workflows.policies.commands import PolicyCommands
from workflows.policies.incidents import EARLY_REVIEW
from workflows.policies.status import PolicyStatus
from workflows.storage import audit
from workflows.storage.database import Database
from workflows.storage.schema import GuidanceVersion, Policy

MAX_TITLE = 300


@dataclass(frozen=True)
class GuidanceRecorded:
    title: str
    issued_on: date
    early_reviews: list[int]   # the policies that came up for review
    under_review: list[int]    # policies already under review, left as they are


class Guidance:
    def __init__(self, database: Database, commands: PolicyCommands, registry, clock):
        self._db, self._commands, self._registry, self._clock = database, commands, registry, clock

    def latest(self) -> GuidanceVersion | None:
        with self._db.reading() as session:
            return session.scalar(select(GuidanceVersion).order_by(GuidanceVersion.id.desc()).limit(1))

    def record(self, title: str, issued_on: date, actor: str = audit.SYSTEM_ACTOR) -> GuidanceRecorded:
        title = (title or "").strip()
        if not title or len(title) > MAX_TITLE:
            raise InvalidInput([FieldError("title", f"The guidance needs a title of 1 to {MAX_TITLE} characters.")])
        if issued_on > self._clock().date():
            raise InvalidInput([FieldError("date", f"The guidance's date ({issued_on:%d %b %Y}) is in the future.")])
        now = self._clock()
        with self._db.transaction() as session:
            session.add(GuidanceVersion(title=title, issued_on=issued_on, recorded_at=now, recorded_by=actor))
            audit.record(session, at=now, actor=actor, action="guidance_recorded",
                         data={"title": title, "date": issued_on.isoformat()})
            published = session.execute(select(Policy.id, Policy.status, Policy.draft, Policy.process_version_id)
                                        .where(Policy.status.in_([PolicyStatus.PUBLISHED, PolicyStatus.UNDER_REVIEW,
                                                                  PolicyStatus.SUSPENDED]))
                                        .order_by(Policy.id)).all()
        early, open_already = [], []
        for row in published:
            implemented = self._implemented_date(row.process_version_id, row.draft or {})
            if implemented is not None and implemented >= issued_on:
                continue
            if row.status == PolicyStatus.UNDER_REVIEW:
                open_already.append(row.id)
                continue
            was = f"{implemented:%d %b %Y}" if implemented else "no date"
            reason = (f"New guidance: “{title}” of {issued_on:%d %b %Y}; this policy implements the version "
                      f"of {was}.")
            try:
                self._commands.advance(actor, row.id, "send_event", action="early_review_opened",
                                       data={"reason": reason, "guidance": title, "date": issued_on.isoformat()},
                                       changes=lambda policy, now, reason=reason: {"early_review_reason": reason},
                                       name=EARLY_REVIEW, payload=None)
                early.append(row.id)
            except Conflict:
                open_already.append(row.id)  # not waiting for its review (a review or revision is open)
        return GuidanceRecorded(title, issued_on, early, open_already)

    def _implemented_date(self, process_version_id: int, draft: dict) -> date | None:
        bundle = self._registry.bundle(process_version_id)
        dmap = self._commands.diagram_map_of_version(process_version_id)
        form = merged_form(bundle, dmap.storing(dmap.draft_key))
        field = form_meaning.first_with_role(form, "guidance-date")
        try:
            return date.fromisoformat(draft.get(field)) if field else None
        except (TypeError, ValueError):
            return None
