"""A published version as the public reads it today: the version, its history and its status.

The page, the PDFs, the notices and the translations all start here, so they read
the same published version and say the same status.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from workflows.policies import publication
from workflows.policies.public_status import PublicStatus, public_status
from workflows.storage.schema import PublishedVersion


@dataclass(frozen=True)
class PublicCopy:
    version: PublishedVersion
    entries: list[publication.VersionEntry]   # newest first
    latest: int
    superseded: publication.VersionEntry | None  # this version's history entry, when it is not the latest
    state: dict                                  # suspension or withdrawal (``publication.public_states``)
    status: PublicStatus


def read(session: Session, policy_id: int, number: int | None, today: date) -> PublicCopy:
    """Version ``number`` of a policy (the latest without it); ``NotFound`` when there is none."""
    version, numbers = publication.published(session, policy_id, number)
    entries = publication.history(session, policy_id)
    state = publication.public_states(session, [policy_id]).get(policy_id, {})
    this = next(entry for entry in entries if entry.number == version.number)
    status = public_status(number=version.number, effective_date=version.effective_date,
                           review_date=version.review_date, latest=numbers[-1],
                           superseded_on=this.superseded_on, state=state, today=today)
    return PublicCopy(version, entries, numbers[-1], this if this.number != numbers[-1] else None, state, status)


def latest(session: Session, today: date) -> list[tuple[PublishedVersion, PublicStatus]]:
    """Each policy's latest published version with its status today, by title."""
    versions = publication.latest_versions(session)
    states = publication.public_states(session, [v.policy_id for v in versions])
    return [(v, public_status(number=v.number, effective_date=v.effective_date, review_date=v.review_date,
                              latest=v.number, superseded_on=None, state=states.get(v.policy_id, {}), today=today))
            for v in versions]
