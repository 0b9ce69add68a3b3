"""Who is told what when a step is saved; the messages join the step's own transaction.

- each person with a new task they can act on: the assignee of a per-person task,
  every active person of the lane's role (in the department, or organisation-wide)
  for a shared task;
- the department's managers when a consultation closes or a sign-off comes back.
Reminders (before a due date, when overdue, or asked for by a manager) are in
``reminders``.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..schema import HumanTask, User, UserRole
from . import messages, outbox
from .settings import MailSettings

CONSULTATION_STEPS = ("staff_consultation", "patient_consultation")
SIGNOFF_STEPS = ("employer_signoff", "insurer_signoff")


def people_with_role(session: Session, role: str, department_id: int, *, organisation_wide: bool = True) -> list[User]:
    """Active people with ``role`` in the department (and, if asked, those tied to no department)."""
    where = User.department_id == department_id
    if organisation_wide:
        where = or_(where, User.department_id.is_(None))
    return list(session.scalars(select(User).join(UserRole).where(UserRole.role == role, User.active.is_(True), where)
                                .order_by(User.username)))


def person(session: Session, username: str | None) -> User | None:
    if not username:
        return None
    return session.scalar(select(User).where(User.username == username, User.active.is_(True)))


class Notifier:
    def __init__(self, settings: MailSettings | None = None):
        self.settings = settings or MailSettings()

    @property
    def base(self) -> str:
        return self.settings.link_base

    def after_step(self, session: Session, policy, *, before: set[str], new_tasks: list,
                   completed: HumanTask | None, actor: str | None, now: datetime) -> None:
        """Queue the mail a saved step causes (called by PolicyCommands inside its transaction)."""
        department = policy.department.name
        for task in new_tasks:
            for user in self.people_for(session, policy.department_id, task.lane, task.assignee):
                mail = messages.new_task(self.base, user.username, task, policy.title, department,
                                         shared=task.assignee is None)
                outbox.enqueue(session, user, kind=mail.kind, subject=mail.subject, body=mail.body, now=now,
                               policy_id=policy.id, task_id=task.id)
        managers = None
        for step in self._closed_consultations(session, before, new_tasks):
            managers = managers if managers is not None else people_with_role(
                session, "manager", policy.department_id, organisation_wide=False)
            counts = self._round_counts(session, policy.id, step)
            for user in managers:
                mail = messages.consultation_closed(self.base, user.username, step, policy.id, policy.title, counts)
                outbox.enqueue(session, user, kind=mail.kind, subject=mail.subject, body=mail.body, now=now,
                               policy_id=policy.id)
        if completed is not None and completed.lifecycle_step in SIGNOFF_STEPS:
            for user in people_with_role(session, "manager", policy.department_id, organisation_wide=False):
                mail = messages.signoff_returned(self.base, user.username, completed.lifecycle_step,
                                                 actor or "the signatory", policy.id, policy.title)
                outbox.enqueue(session, user, kind=mail.kind, subject=mail.subject, body=mail.body, now=now,
                               policy_id=policy.id)

    def people_for(self, session: Session, department_id: int, lane: str | None, assignee: str | None) -> list[User]:
        """Who can act on a task: its assignee, or everyone of its lane's role who may see the policy."""
        if assignee is not None:
            found = person(session, assignee)
            return [found] if found is not None else []
        return people_with_role(session, lane, department_id) if lane else []

    @staticmethod
    def _round_counts(session: Session, policy_id: int, step: str) -> dict:
        """How many answered the latest round of a consultation (its tasks became ready together)
        and how many did not (closed at the deadline, early, or on deactivation)."""
        started = session.scalar(select(func.max(HumanTask.ready_since)).where(
            HumanTask.policy_id == policy_id, HumanTask.lifecycle_step == step))
        states = list(session.scalars(select(HumanTask.state).where(
            HumanTask.policy_id == policy_id, HumanTask.lifecycle_step == step, HumanTask.ready_since == started)))
        answered = states.count("completed")
        return {"staff_responses": answered, "no_response": len(states) - answered}

    @staticmethod
    def _closed_consultations(session: Session, before: set[str], new_tasks: list) -> list[str]:
        """Consultation steps that had tasks before this step and have none waiting after it."""
        if not before:
            return []
        steps_before = set(session.scalars(select(HumanTask.lifecycle_step).distinct().where(
            HumanTask.id.in_(before), HumanTask.lifecycle_step.in_(CONSULTATION_STEPS))))
        if not steps_before:
            return []
        still_open = set(session.scalars(select(HumanTask.lifecycle_step).distinct().where(
            HumanTask.id.in_(before), HumanTask.state == "ready")))
        still_open |= {task.lifecycle_step for task in new_tasks}
        return sorted(steps_before - still_open)
