"""Who is told what when a step is saved; the messages join the step's own transaction.

- each person with a new task they can act on: the assignee of a per-person task,
  every active person of the lane's role (in the department, or organisation-wide)
  for a shared task;
- the department's managers when a consultation closes or a sign-off comes back.
Reminders (before a due date, when overdue, or asked for by a manager) are in
``reminders``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from workflows.notifications import messages, outbox
from workflows.notifications.settings import MailSettings
from workflows.storage.schema import HumanTask, User, UserRole

CONSULTATION_STEPS = ("staff_consultation", "patient_consultation")
SIGNOFF_STEPS = ("employer_signoff", "insurer_signoff")


@dataclass(frozen=True)
class Recipient:
    """Who a message goes to: what the outbox needs, read without loading whole users."""

    username: str
    email: str | None
    mail_digest: bool
    department_id: int | None


_COLUMNS = (User.username, User.email, User.mail_digest, User.department_id)


def people_with_role(session: Session, role: str, department_id: int, *,
                     organisation_wide: bool = True) -> list[Recipient]:
    """Active people with ``role`` in the department (and, if asked, those tied to no department)."""
    where = User.department_id == department_id
    if organisation_wide:
        where = or_(where, User.department_id.is_(None))
    rows = session.execute(select(*_COLUMNS).join(UserRole).where(UserRole.role == role, User.active.is_(True), where)
                           .order_by(User.username))
    return [Recipient(*row) for row in rows]


def people_named(session: Session, usernames) -> dict[str, Recipient]:
    """The active people among ``usernames``, by username."""
    usernames = set(usernames)
    if not usernames:
        return {}
    rows = session.execute(select(*_COLUMNS).where(User.username.in_(usernames), User.active.is_(True)))
    return {row.username: Recipient(*row) for row in rows}


class Notifier:
    def __init__(self, settings: MailSettings | None = None):
        self.settings = settings or MailSettings()

    @property
    def base(self) -> str:
        return self.settings.link_base

    def after_step(self, session: Session, policy, *, before: dict[str, str | None], ready: list,
                   completed: HumanTask | None, actor: str | None, now: datetime) -> None:
        """Queue the mail a saved step causes (called by PolicyCommands inside its transaction).

        ``before``: the tasks ready before the step (id → lifecycle step); ``ready``: after it."""
        department = policy.department.name
        new_tasks = [task for task in ready if task.id not in before]
        assignees = people_named(session, {task.assignee for task in new_tasks if task.assignee})
        lanes = {task.lane for task in new_tasks if task.assignee is None and task.lane}
        by_lane = {lane: people_with_role(session, lane, policy.department_id) for lane in lanes}
        rows = []
        for task in new_tasks:
            users = ([assignees[task.assignee]] if task.assignee in assignees else []) if task.assignee \
                else by_lane.get(task.lane, [])
            for user in users:
                mail = messages.new_task(self.base, user.username, task, policy.title, department,
                                         shared=task.assignee is None)
                rows.append(outbox.message(user, kind=mail.kind, subject=mail.subject, body=mail.body, now=now,
                                           policy_id=policy.id, task_id=task.id))
        outbox.add(session, rows)
        managers = None
        for step in _closed_consultations(before, ready):
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

    def briefing_requested(self, session: Session, policy, username: str, now: datetime) -> None:
        """Tell the department's managers that ``username`` needs a briefing before acknowledging."""
        for user in people_with_role(session, "manager", policy.department_id, organisation_wide=False):
            mail = messages.briefing_requested(self.base, user.username, username, policy.id, policy.title)
            outbox.enqueue(session, user, kind=mail.kind, subject=mail.subject, body=mail.body, now=now,
                           policy_id=policy.id)

    def people_for(self, session: Session, department_id: int, lane: str | None,
                   assignee: str | None) -> list[Recipient]:
        """Who can act on a task: its assignee, or everyone of its lane's role who may see the policy."""
        if assignee is not None:
            return list(people_named(session, [assignee]).values())
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



def _closed_consultations(before: dict[str, str | None], ready: list) -> list[str]:
    """Consultation steps that had tasks before the step and have none waiting after it."""
    had = {step for step in before.values() if step in CONSULTATION_STEPS}
    return sorted(had - {task.lifecycle_step for task in ready})
