"""Published policy versions: what the public may read, and nothing more.

A version is cut when a task of the ``publication`` lifecycle step completes. It
stores the public document composed from the variable the publication task
``publishes`` (see ``documents``), with what really happened in this version's
cycle: the sign-offs and reviews since the previous version. Versions never
change; every earlier one stays readable, marked as superseded.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflows.engine.diagram_map import DiagramMap, merged_form
from workflows.engine.specs import ProcessBundle
from workflows.errors import NotFound
from workflows.forms import meaning as form_meaning
from workflows.policies import document_control, documents
from workflows.policies.decisions import decisions
from workflows.policies.review_context import consultation
from workflows.storage.schema import AuditEvent, DraftRound, Policy, PublishedVersion


@dataclass(frozen=True)
class VersionEntry:
    """One line of a policy's version history."""

    number: int
    effective_date: date
    published_at: datetime
    review_date: date | None
    superseded_on: date | None  # when the next version took effect
    label: str = ""             # "1", "1.1" (reviewed without change), "2"
    changes: dict | None = None  # the summary of this version's changes (``documents``)


def cut_version(session: Session, *, policy, bundle: ProcessBundle, dmap: DiagramMap, data: dict,
                publication_form: dict, publication: dict, review_due: datetime | None,
                now: datetime) -> PublishedVersion:
    previous = session.scalar(select(PublishedVersion).where(PublishedVersion.policy_id == policy.id)
                              .order_by(PublishedVersion.number.desc()).limit(1))
    last_published = session.scalar(select(func.max(AuditEvent.id)).where(
        AuditEvent.policy_id == policy.id, AuditEvent.action == "policy_published")) or 0
    heard = consultation(bundle, dmap, data)
    draft = data.get(dmap.draft_key) if isinstance(data.get(dmap.draft_key), dict) else {}
    draft_form = merged_form(bundle, dmap.storing(dmap.draft_key))
    steps = (*document_control.GOVERNANCE_STEPS, "staff_consultation", "patient_consultation")
    content = documents.compose(
        draft_form, draft, staff_consulted=heard.staff_responses if heard else 0,
        cycle=decisions(session, bundle, policy.id, after_event=last_published),
        previous={**previous.content, "number": previous.number} if previous else None,
        steps=document_control.completed(session, bundle, policy.id, steps),
        cycle_steps=document_control.completed(session, bundle, policy.id, steps, after_event=last_published),
        later_sources=_later_sources(bundle, dmap, data),
        revision_notes=_revision_notes(session, policy.id, draft_form, previous.published_at if previous else None))
    effective = _effective_date(publication_form, publication) or now.date()
    version = PublishedVersion(
        policy_id=policy.id, number=(previous.number + 1) if previous else 1, title=policy.title,
        department=policy.department.name, content=content,
        risk_rating=(dmap.ratings(data)[0] or "")[:20] or None,
        effective_date=effective, review_date=review_due.date() if review_due else None, published_at=now)
    session.add(version)
    return version


#: The variable the publication's post-script sets to the review date. The review itself
#: opens earlier (the publication's ``reviewLeadTime``), so the date is not the next timer's.
REVIEW_DATE_VARIABLE = "review_due_at"


def review_date(data: dict) -> datetime | None:
    """The review date the publication's post-script worked out, if it did."""
    try:
        value = datetime.fromisoformat(data.get(REVIEW_DATE_VARIABLE))
    except (TypeError, ValueError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _later_sources(bundle: ProcessBundle, dmap: DiagramMap, data: dict) -> list[tuple[dict, dict]]:
    """(form, answers) of the steps other than the draft whose forms fill public sections."""
    found = []
    for task in dmap.tasks.values():
        form = bundle.forms.get(task.form or "", {})
        answers = data.get(task.data_key)
        if (task.data_key != dmap.draft_key and isinstance(answers, dict)
                and any(p.get("x-publicSection") for p in form_meaning.props(form).values())):
            found.append((form, answers))
    return found


def _revision_notes(session: Session, policy_id: int, form: dict, since: datetime | None) -> list[str]:
    """The revision notes of each draft round since the previous version, oldest first, each once."""
    field = form_meaning.first_with_role(form, "revision-notes")
    if not field:
        return []
    query = select(DraftRound.draft).where(DraftRound.policy_id == policy_id).order_by(DraftRound.number)
    notes = []
    for draft in session.scalars(query.where(DraftRound.saved_at > since) if since else query):
        note = (draft or {}).get(field)
        if isinstance(note, str) and note.strip() and note.strip() not in notes:
            notes.append(note.strip())
    return notes


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
                                  PublishedVersion.published_at, PublishedVersion.review_date,
                                  PublishedVersion.content)
                           .where(PublishedVersion.policy_id == policy_id)
                           .order_by(PublishedVersion.number)).all()
    entries = [VersionEntry(row.number, row.effective_date, row.published_at, row.review_date,
                            rows[index + 1].effective_date if index + 1 < len(rows) else None,
                            document_control.label_of(row.content, row.number), (row.content or {}).get("changes"))
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
