"""The dashboard for managers and governance: where policies stand and what needs attention.

Everyone sees their own department's policies (organisation-wide roles: all);
names of people behind overdue per-person tasks are shown to the department's
managers only, and incidents only to those who may read them (managers and the
employer's risk management).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from workflows.errors import Forbidden
from workflows.people.accounts import Actor
from workflows.policies.status import WAITING_FOR_REVIEW
from workflows.storage.database import Database
from workflows.storage.schema import Department, HumanTask, Incident, Policy

ROLES = frozenset({"manager", "employer", "insurer", "admin"})
REVIEW_HORIZON = timedelta(days=90)
INCIDENT_HORIZON = timedelta(days=365)
LISTED = 100


@dataclass
class Overview:
    by_status: dict[str, int]
    overdue: list[dict]
    reviews_due: list[dict]
    incidents: list[dict] | None  # None: not the actor's to see
    #: Reviews that opened by themselves (repeated incidents, new guidance), with why.
    early_reviews: list[dict] = field(default_factory=list)
    horizon_days: int = REVIEW_HORIZON.days
    now: datetime | None = None
    totals: dict = field(default_factory=dict)


def may_use(actor: Actor) -> bool:
    return bool(ROLES & actor.roles)


class Dashboard:
    def __init__(self, database: Database, clock):
        self._db, self._clock = database, clock

    def overview(self, actor: Actor) -> Overview:
        if not may_use(actor):
            raise Forbidden("The dashboard is for managers, the employer, the insurer and admins.")
        now = self._clock()
        scope = [] if actor.department_id is None else [Policy.department_id == actor.department_id]
        with self._db.reading() as session:
            by_status = dict(session.execute(select(Policy.status, func.count()).where(*scope)
                                             .group_by(Policy.status)).all())
            overdue = session.execute(
                select(HumanTask.id, HumanTask.title, HumanTask.lane, HumanTask.due_at, HumanTask.assignee,
                       Policy.id.label("policy_id"), Policy.title.label("policy_title"), Policy.department_id,
                       Department.name.label("department"))
                .join(Policy, HumanTask.policy_id == Policy.id).join(Department, Policy.department_id == Department.id)
                .where(HumanTask.state == "ready", HumanTask.due_at <= now, *scope)
                .order_by(HumanTask.due_at, HumanTask.id).limit(LISTED)).all()
            reviews = session.execute(
                select(Policy.id, Policy.title, Policy.next_timer_at, Policy.status, Department.name.label("department"))
                .join(Department, Policy.department_id == Department.id)
                .where(Policy.status.in_(WAITING_FOR_REVIEW),
                       Policy.next_timer_at.is_not(None), Policy.next_timer_at <= now + REVIEW_HORIZON, *scope)
                .order_by(Policy.next_timer_at).limit(LISTED)).all()
            early = session.execute(
                select(Policy.id, Policy.title, Policy.early_review_reason, Department.name.label("department"))
                .join(Department, Policy.department_id == Department.id)
                .where(Policy.early_review_reason.is_not(None), *scope)
                .order_by(Policy.updated_at.desc()).limit(LISTED)).all()
            incidents = None
            if "manager" in actor.roles or "employer" in actor.roles:
                incidents = [dict(row._mapping) for row in session.execute(
                    select(Incident.id, Incident.occurred_on, Incident.reported_at, Policy.id.label("policy_id"),
                           Policy.title.label("policy_title"))
                    .join(Policy, Incident.policy_id == Policy.id)
                    .where(Incident.reported_at >= now - INCIDENT_HORIZON, *scope)
                    .order_by(Incident.reported_at.desc()).limit(LISTED))]
        managed = "manager" in actor.roles
        return Overview(
            by_status={str(status): count for status, count in by_status.items()},
            overdue=[{"id": t.id, "title": t.title, "lane": t.lane, "due_at": t.due_at, "policy_id": t.policy_id,
                      "policy_title": t.policy_title, "department": t.department,
                      "assignee": t.assignee if managed else None, "per_person": t.assignee is not None}
                     for t in overdue],
            reviews_due=[{"policy_id": r.id, "title": r.title, "due_at": r.next_timer_at, "status": str(r.status),
                          "department": r.department} for r in reviews],
            incidents=incidents, now=now,
            early_reviews=[{"policy_id": e.id, "title": e.title, "reason": e.early_review_reason,
                            "department": e.department} for e in early],
            totals={"policies": sum(by_status.values())})
