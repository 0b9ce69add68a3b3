"""Incidents (guidance item vii): a recording made or continued without permission.

Any member of staff (or manager) of the department reports one; it is stored
and sent into the policy's workflow (message ``incident_reported``), where the
manager gets a task to review it and may start an early review. The record
holds what happened and what was done, never who the patient was: the form
asks for no identifying details and says so. Only the department's managers and
the employer's risk management (role ``employer``) may read the incidents.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from workflows.errors import Conflict, Forbidden, NotFound
from workflows.people.accounts import Actor
from workflows.policies.commands import PolicyCommands, manages, may_see
from workflows.policies.incident_form import checked
from workflows.policies.incident_reports import IncidentView
from workflows.storage import audit
from workflows.storage.database import Database
from workflows.storage.schema import Incident, Policy

INCIDENT_REPORTED = "incident_reported"
EARLY_REVIEW = "early_review"  # the signal a published policy waits for beside its review date


def may_report(actor: Actor, policy: Policy) -> bool:
    return bool({"staff", "manager"} & actor.roles) and actor.department_id == policy.department_id


def may_read(actor: Actor, policy: Policy) -> bool:
    return manages(actor, policy) or ("employer" in actor.roles and may_see(actor, policy))


class Incidents:
    def __init__(self, database: Database, commands: PolicyCommands, clock):
        self._db, self._commands, self._clock = database, commands, clock

    def report(self, actor: Actor, policy_id: int, values: dict, complete: bool = False) -> IncidentView:
        """Record an incident and tell the policy's workflow; returns the stored incident.

        ``complete``: every field of the report is required (the page asks for all of
        them); otherwise the governance fields are optional (the API)."""
        stored: list[Incident] = []

        def check(policy: Policy) -> None:
            if not may_see(actor, policy):
                raise NotFound(f"Policy {policy_id} does not exist.")
            if not may_report(actor, policy):
                raise Forbidden(f"Only staff and managers of {policy.department.name} can report incidents "
                                "on its policy.")
            if policy.withdrawn_at is not None:
                raise Conflict("This policy was withdrawn; report the incident on the policy that applies now.")

        with self._db.reading() as session:  # who may report is said before what is wrong with the report
            policy = session.get(Policy, policy_id)
            if policy is None:
                raise NotFound(f"Policy {policy_id} does not exist.")
            check(policy)
        values = checked(values if isinstance(values, dict) else {}, self._clock().date(), complete)

        def record(session, policy: Policy, now: datetime) -> None:
            row = Incident(policy_id=policy.id, department_id=policy.department_id, reported_by=actor.username,
                           reported_at=now, **values)
            session.add(row)
            session.flush()
            stored.append(row)

        # the whole report goes to the diagram, so its gateways may route on category, harm or escalation
        payload = {**values, "occurred_on": values["occurred_on"].isoformat()}
        self._commands.advance(actor.username, policy_id, "send_event", action="incident_reported",
                               data={"occurred_on": payload["occurred_on"]}, check=check, also=record,
                               name=INCIDENT_REPORTED, payload=payload)
        self._early_review_if_repeated(policy_id)
        return IncidentView.of(stored[-1])

    def _early_review_if_repeated(self, policy_id: int) -> None:
        """At the diagram's ``earlyReviewAfterIncidents`` count within twelve months, the policy comes
        up for review by itself (when it is published and no review is open), saying why."""
        today = self._clock().date()
        with self._db.reading() as session:
            policy = session.get(Policy, policy_id)
            limit = self._commands.diagram_map_of(policy).early_review_after_incidents
            recent = session.scalar(select(func.count()).select_from(Incident).where(
                Incident.policy_id == policy_id, Incident.occurred_on > today - timedelta(days=365)))
        if not limit or recent < limit:
            return
        reason = (f"{recent} incidents of recording without permission in the last 12 months "
                  f"(an early review opens at {limit}).")
        try:
            self._commands.advance(audit.SYSTEM_ACTOR, policy_id, "send_event", action="early_review_opened",
                                   data={"reason": reason, "incidents": recent},
                                   changes=lambda policy, now: {"early_review_reason": reason},
                                   name=EARLY_REVIEW, payload=None)
        except Conflict:
            pass  # not published, or a review is already open: it will weigh these incidents anyway

    def of_policy(self, actor: Actor, policy_id: int) -> list[IncidentView]:
        """Every incident reported on the policy, newest first (managers and risk management only)."""
        with self._db.reading() as session:
            policy = session.get(Policy, policy_id)
            if policy is None or not may_see(actor, policy):
                raise NotFound(f"Policy {policy_id} does not exist.")
            if not may_read(actor, policy):
                raise Forbidden("Incidents are for the department's managers and the employer's risk management.")
            rows = session.scalars(select(Incident).where(Incident.policy_id == policy_id)
                                   .order_by(Incident.reported_at.desc(), Incident.id.desc()))
            return [IncidentView.of(row) for row in rows]
