"""Published policy versions: what the public may read, and nothing more.

A version is cut when a task of the ``publication`` lifecycle step completes. It
copies the current policy text (fields marked ``"x-internal": true`` in their form
are left out), labels it with the forms' own titles, and counts consultation
answers without names, so staff preferences are honoured but never published.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .errors import NotFound
from .schema import Policy, PublishedVersion
from .specs import ProcessBundle


def field_schema(bundle: ProcessBundle, name: str) -> dict | None:
    """The first form property called ``name`` in the bundle (forms share field names)."""
    for form in bundle.forms.values():
        prop = form.get("properties", {}).get(name)
        if prop is not None:
            return prop
    return None


def display_value(prop: dict | None, value) -> str | list[str]:
    """A stored value as a person reads it: enum labels, yes/no, lists as lists."""
    prop = prop or {}
    labels = prop.get("x-enumLabels", {})
    if isinstance(value, list):
        return [str(labels.get(str(v), v)) for v in value]
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(labels.get(str(value), value))


def public_sections(bundle: ProcessBundle, draft: dict) -> list[dict]:
    sections = []
    for name, value in draft.items():
        prop = field_schema(bundle, name)
        if (prop or {}).get("x-internal") or value in (None, "", []):
            continue
        sections.append({"field": name, "label": (prop or {}).get("title", name.replace("_", " ").capitalize()),
                         "value": display_value(prop, value)})
    return sections


def answered(response) -> bool:
    """A staff response that holds an answer: the consultation records people who did not
    answer by its deadline (or before it was closed) with no answer in it."""
    return isinstance(response, dict) and "willing_to_be_filmed" in response


def consultation_counts(data: dict) -> dict:
    """Counts of the staff consultation, without names: who answered how, and how many did not answer."""
    responses = [r for r in data.get("staff_responses") or [] if isinstance(r, dict)]
    counts: dict[str, int] = {}
    for response in filter(answered, responses):
        answer = str(response["willing_to_be_filmed"])
        counts[answer] = counts.get(answer, 0) + 1
    given = sum(counts.values())
    return {"staff_responses": given, "no_response": len(responses) - given, "staff_consulted": len(responses),
            "by_answer": counts, "patient_liaison_consulted": bool(data.get("patient_consultation"))}


def cut_version(session: Session, *, policy, bundle: ProcessBundle, data: dict, publication: dict,
                review_due: datetime | None, now: datetime) -> PublishedVersion:
    number = (session.scalar(select(func.max(PublishedVersion.number))
                             .where(PublishedVersion.policy_id == policy.id)) or 0) + 1
    effective = publication.get("effective_date")
    version = PublishedVersion(
        policy_id=policy.id, number=number, title=policy.title, department=policy.department.name,
        content={"sections": public_sections(bundle, data.get("policy_draft") or {}),
                 "consultation": consultation_counts(data),
                 "summary": publication.get("public_summary") or ""},
        risk_rating=data.get("risk_rating"),
        effective_date=date.fromisoformat(effective) if effective else now.date(),
        review_date=review_due.date() if review_due else None, published_at=now)
    session.add(version)
    return version


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


def public_states(session: Session, policy_ids) -> dict[int, dict]:
    """Whether each published policy is suspended or withdrawn, since when and why (for the public pages)."""
    rows = session.execute(select(Policy.id, Policy.suspended_at, Policy.suspension_reason, Policy.withdrawn_at,
                                  Policy.withdrawal_reason).where(Policy.id.in_(list(policy_ids)))).all()
    return {row.id: {"suspended_at": row.suspended_at, "suspension_reason": row.suspension_reason,
                     "withdrawn_at": row.withdrawn_at, "withdrawal_reason": row.withdrawal_reason} for row in rows}
