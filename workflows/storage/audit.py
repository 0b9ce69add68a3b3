"""The audit trail: every state change, with who, what, when, which data and diagram version."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.storage.schema import AuditEvent

SYSTEM_ACTOR = "system"


def record(session: Session, *, at: datetime, actor: str, action: str, policy_id: int | None = None,
           task=None, data: dict | None = None, process_version_id: int | None = None) -> None:
    """Add one event to the current unit of work (committed with the change it describes)."""
    session.add(AuditEvent(
        policy_id=policy_id, at=at, actor=actor, action=action,
        task_id=getattr(task, "id", None), element_id=getattr(task, "element_id", None),
        task_title=getattr(task, "title", None), data=data, process_version_id=process_version_id,
    ))


def events_for_policy(session: Session, policy_id: int) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.policy_id == policy_id).order_by(AuditEvent.id)))
