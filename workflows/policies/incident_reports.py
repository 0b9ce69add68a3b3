"""Incident reports as read back: one report's view, and those since the latest publication.

Apart from ``incidents`` (which reports them through the policy's commands) so
that the evidence beside a decision can list them without reaching the commands.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import select

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

    @classmethod
    def of(cls, row: Incident) -> "IncidentView":
        return cls(row.id, row.policy_id, row.occurred_on, row.description, row.action_taken, row.reported_by,
                   row.reported_at)

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
