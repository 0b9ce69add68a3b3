"""Published policy versions: what the public may read, and nothing more.

A version is cut when a task of the ``publication`` lifecycle step completes. It
stores the public document composed from the variable the publication task
``publishes`` (see ``documents``), with what really happened in this version's
cycle: the sign-offs and reviews since the previous version. Versions never
change; every earlier one stays readable, marked as superseded.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflows.engine.diagram_map import DiagramMap, merged_form
from workflows.engine.specs import ProcessBundle
from workflows.errors import NotFound
from workflows.forms import meaning as form_meaning
from workflows.policies import documents
from workflows.policies.decisions import decisions
from workflows.policies.review_context import consultation
from workflows.storage.schema import AuditEvent, Policy, PublishedVersion


@dataclass(frozen=True)
class VersionEntry:
    """One line of a policy's version history."""

    number: int
    effective_date: date
    published_at: datetime
    review_date: date | None
    superseded_on: date | None  # when the next version took effect


def cut_version(session: Session, *, policy, bundle: ProcessBundle, dmap: DiagramMap, data: dict,
                publication_form: dict, publication: dict, review_due: datetime | None,
                now: datetime) -> PublishedVersion:
    previous = session.scalar(select(PublishedVersion).where(PublishedVersion.policy_id == policy.id)
                              .order_by(PublishedVersion.number.desc()).limit(1))
    last_published = session.scalar(select(func.max(AuditEvent.id)).where(
        AuditEvent.policy_id == policy.id, AuditEvent.action == "policy_published")) or 0
    heard = consultation(bundle, dmap, data)
    draft = data.get(dmap.draft_key) if isinstance(data.get(dmap.draft_key), dict) else {}
    content = documents.compose(
        merged_form(bundle, dmap.storing(dmap.draft_key)), draft,
        staff_consulted=heard.staff_responses if heard else 0, liaison_consulted=bool(heard and heard.liaison),
        cycle=decisions(session, bundle, policy.id, after_event=last_published),
        previous={**previous.content, "number": previous.number} if previous else None)
    effective = _effective_date(publication_form, publication) or now.date()
    version = PublishedVersion(
        policy_id=policy.id, number=(previous.number + 1) if previous else 1, title=policy.title,
        department=policy.department.name, content=content,
        risk_rating=str(data.get(dmap.rating_key))[:20] if dmap.rating_key and data.get(dmap.rating_key) else None,
        effective_date=effective, review_date=review_due.date() if review_due else None, published_at=now)
    session.add(version)
    return version


def _effective_date(form: dict, publication: dict) -> date | None:
    """The answer to the field the publication form marks ``"x-role": "effective-date"``."""
    for name in form_meaning.with_role(form, "effective-date"):
        try:
            return date.fromisoformat(publication.get(name))
        except (TypeError, ValueError):
            return None
    return None


def latest_versions(session: Session) -> list[PublishedVersion]:
    newest = (select(PublishedVersion.policy_id, func.max(PublishedVersion.number).label("number"))
              .group_by(PublishedVersion.policy_id).subquery())
    query = select(PublishedVersion).join(newest, (PublishedVersion.policy_id == newest.c.policy_id)
                                          & (PublishedVersion.number == newest.c.number))
    return list(session.scalars(query.order_by(PublishedVersion.title)))


def published(session: Session, policy_id: int, number: int | None = None) -> tuple[PublishedVersion, list[int]]:
    """A policy's published version (latest unless ``number``) and all its version numbers."""
    numbers = list(session.scalars(select(PublishedVersion.number).where(PublishedVersion.policy_id == policy_id)
                                   .order_by(PublishedVersion.number)))
    if not numbers or (number is not None and number not in numbers):
        raise NotFound(f"Policy {policy_id} has no published version{f' {number}' if number else ''}.")
    version = session.scalar(select(PublishedVersion).where(PublishedVersion.policy_id == policy_id,
                                                            PublishedVersion.number == (number or numbers[-1])))
    return version, numbers


def history(session: Session, policy_id: int) -> list[VersionEntry]:
    """Every published version of a policy, newest first, each with the day it was superseded."""
    rows = session.execute(select(PublishedVersion.number, PublishedVersion.effective_date,
                                  PublishedVersion.published_at, PublishedVersion.review_date)
                           .where(PublishedVersion.policy_id == policy_id)
                           .order_by(PublishedVersion.number)).all()
    entries = [VersionEntry(row.number, row.effective_date, row.published_at, row.review_date,
                            rows[index + 1].effective_date if index + 1 < len(rows) else None)
               for index, row in enumerate(rows)]
    return list(reversed(entries))


def public_states(session: Session, policy_ids) -> dict[int, dict]:
    """Whether each published policy is suspended or withdrawn, since when and why (for the public pages)."""
    rows = session.execute(select(Policy.id, Policy.suspended_at, Policy.suspension_reason, Policy.withdrawn_at,
                                  Policy.withdrawal_reason).where(Policy.id.in_(list(policy_ids)))).all()
    return {row.id: {"suspended_at": row.suspended_at, "suspension_reason": row.suspension_reason,
                     "withdrawn_at": row.withdrawn_at, "withdrawal_reason": row.withdrawal_reason} for row in rows}


def latest_number(session: Session, policy_id: int) -> int | None:
    """The number of a policy's latest published version (``None`` before the first)."""
    return session.scalar(select(func.max(PublishedVersion.number)).where(PublishedVersion.policy_id == policy_id))
