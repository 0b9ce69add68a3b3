"""Reminders about tasks with a due date: once shortly before it, once when it has passed,
and whenever a manager asks for one.

Each automatic reminder is sent once: a task's ``reminder_stage`` is raised by a
conditional update in the same transaction as the mail, so several processes
running the reminders at once send it once.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from workflows.notifications import messages, outbox
from workflows.notifications.notifier import Notifier
from workflows.storage import audit
from workflows.storage.database import Database
from workflows.storage.schema import HumanTask, Policy

#: How long before a due date the "due soon" reminder goes out.
DUE_SOON = timedelta(days=2)
DUE_SOON_STAGE, OVERDUE_STAGE = 1, 2


class Reminders:
    def __init__(self, database: Database, notifier: Notifier, clock):
        self._db, self._notifier, self._clock = database, notifier, clock

    def queue_due(self, now: datetime | None = None) -> int:
        """Queue every reminder that is due now; the number of tasks reminded about."""
        now = now or self._clock()
        reminded = 0
        for stage, kind, condition in (
                (OVERDUE_STAGE, "overdue", HumanTask.due_at <= now),
                (DUE_SOON_STAGE, "due_soon", (HumanTask.due_at > now) & (HumanTask.due_at <= now + DUE_SOON))):
            with self._db.reading() as session:
                rows = session.execute(select(HumanTask.id, HumanTask.ready_since, HumanTask.due_at).where(
                    HumanTask.state == "ready", HumanTask.due_at.is_not(None), HumanTask.reminder_stage < stage,
                    condition)).all()
            # A task that was given less than DUE_SOON from the start needs no "due soon" on top of its own mail.
            task_ids = [row.id for row in rows if stage == OVERDUE_STAGE or row.due_at - row.ready_since > DUE_SOON]
            for task_id in task_ids:
                reminded += self._remind(task_id, stage, kind, now)
        return reminded

    def _remind(self, task_id: str, stage: int, kind: str, now: datetime) -> int:
        with self._db.transaction() as session:
            won = session.execute(update(HumanTask).where(HumanTask.id == task_id, HumanTask.state == "ready",
                                                          HumanTask.reminder_stage < stage)
                                  .values(reminder_stage=stage).execution_options(synchronize_session=False)).rowcount
            if won != 1:
                return 0  # another process reminded, or the task was done meanwhile
            task = session.get(HumanTask, task_id)
            self._queue(session, task, kind, now)
            return 1

    def remind_now(self, session, task: HumanTask, actor: str, now: datetime) -> list[str]:
        """A reminder a manager asked for (in their transaction); the usernames reminded."""
        people = self._queue(session, task, "manual", now)
        # Counted, not named: the trail is read by the whole department, who has not answered only by managers.
        audit.record(session, at=now, actor=actor, action="reminder_sent", policy_id=task.policy_id, task=task,
                     data={"reminded": len(people)})
        return people

    def _queue(self, session, task: HumanTask, kind: str, now: datetime) -> list[str]:
        policy = session.get(Policy, task.policy_id)
        # A claimed shared task concerns only the person who claimed it.
        users = self._notifier.people_for(session, policy.department_id, task.lane, task.assignee or task.claimed_by)
        for user in users:
            mail = messages.reminder(self._notifier.base, user.username, task.id, task.title, policy.title,
                                     task.due_at, kind)
            outbox.enqueue(session, user, kind=mail.kind, subject=mail.subject, body=mail.body, now=now,
                           policy_id=policy.id, task_id=task.id)
        return [user.username for user in users]
