"""Incident reports as read back: one report's view, and those since the latest publication.

Apart from ``incidents`` (which reports them through the policy's commands) so
that the evidence beside a decision can list them without reaching the commands.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from workflows.policies.incident_form import CATEGORIES, ESCALATIONS, HARMS
from workflows.storage.schema import Incident, PublishedVersion


@dataclass(frozen=True)
class IncidentView:
    id: int
    policy_id: int
    occurred_on: date
    description: str
    action_taken: str
    reported_by: str
    reported_at: datetime
    # the governance fields: None (an empty list) in reports made before they were asked, or through the API
    local_reference: str | None = None
    category: str | None = None
    harm: str | None = None
    support_offered: bool | None = None
    support_details: str | None = None
    escalated_to: list[str] = field(default_factory=list)
    other_patients_captured: bool | None = None

    @classmethod
    def of(cls, row: Incident) -> "IncidentView":
        return cls(row.id, row.policy_id, row.occurred_on, row.description, row.action_taken, row.reported_by,
                   row.reported_at, row.local_reference, row.category, row.harm, row.support_offered,
                   row.support_details, list(row.escalated_to or []), row.other_patients_captured)

    @property
    def category_label(self) -> str | None:
        return CATEGORIES.get(self.category) if self.category else None

    @property
    def harm_label(self) -> str | None:
        return HARMS.get(self.harm) if self.harm else None

    @property
    def escalated_labels(self) -> list[str]:
        return [ESCALATIONS.get(team, team) for team in self.escalated_to]

    def as_dict(self) -> dict:
        return asdict(self)


def since_last_publication(session, policy_id: int) -> list[IncidentView]:
    """The incidents reported since the policy's latest publication (all of them if never published)."""
    published_at = session.scalar(select(PublishedVersion.published_at).where(PublishedVersion.policy_id == policy_id)
                                  .order_by(PublishedVersion.number.desc()).limit(1))
    query = select(Incident).where(Incident.policy_id == policy_id)
    if published_at is not None:
        query = query.where(Incident.reported_at >= published_at)
    return [IncidentView.of(row) for row in session.scalars(query.order_by(Incident.reported_at, Incident.id))]
