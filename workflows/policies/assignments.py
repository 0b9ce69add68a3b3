"""Who does a task: claiming and releasing a shared task, reassigning a person's task, reminding.

None of this changes the workflow: a per-person task is still the same step for
the workflow whoever completes it; only the task index says who may act, so each
change is one guarded update (of two managers reassigning at once, one wins and
the other is told), audited, with mail to whoever is newly asked to act.
"""
from __future__ import annotations

from sqlalchemy import select, update

from workflows.errors import Conflict, FieldError, Forbidden, InvalidInput
from workflows.notifications import messages, outbox
from workflows.notifications.notifier import Notifier
from workflows.notifications.reminders import Reminders
from workflows.people.accounts import Actor
from workflows.policies.commands import manages, may_act, visible_task
from workflows.storage import audit
from workflows.storage.database import Database
from workflows.storage.schema import HumanTask, Policy, User


def _ready(task: HumanTask) -> None:
    if task.state != "ready":
        raise Conflict("This task is no longer waiting; nothing was changed.")


class Assignments:
    def __init__(self, database: Database, notifier: Notifier, reminders: Reminders, clock):
        self._db, self._notifier, self._reminders, self._clock = database, notifier, reminders, clock

    def claim(self, actor: Actor, task_id: str) -> None:
        """Take on a shared task: from now on only the claimer may complete it (until released)."""
        now = self._clock()
        with self._db.transaction() as session:
            task, policy = visible_task(session, actor, task_id)
            _ready(task)
            if task.assignee is not None:
                raise Conflict("This task is for one person already; it cannot be claimed.")
            if task.claimed_by == actor.username:
                return
            if not may_act(actor, task, policy):
                raise Forbidden(f"{task.claimed_by} has claimed this task." if task.claimed_by
                                else "This task is not in your role.")
            self._set(session, task, "claimed_by", None, actor.username)
            audit.record(session, at=now, actor=actor.username, action="task_claimed", policy_id=policy.id, task=task,
                         process_version_id=policy.process_version_id)

    def release(self, actor: Actor, task_id: str) -> None:
        """Give a claimed task back to everyone of its role (the claimer, or a manager of the policy)."""
        now = self._clock()
        with self._db.transaction() as session:
            task, policy = visible_task(session, actor, task_id)
            _ready(task)
            if task.claimed_by is None:
                raise Conflict("This task is not claimed; nothing was changed.")
            if task.claimed_by != actor.username and not manages(actor, policy):
                raise Forbidden(f"Only {task.claimed_by} or a manager can release this task.")
            self._set(session, task, "claimed_by", task.claimed_by, None)
            audit.record(session, at=now, actor=actor.username, action="task_released", policy_id=policy.id,
                         task=task, data={"claimed_by": task.claimed_by}, process_version_id=policy.process_version_id)

    def assign(self, actor: Actor, task_id: str, username: str) -> None:
        """A manager gives a task to someone else of its role in the department (someone on leave):
        a per-person task changes hands, a shared task is claimed for them."""
        now = self._clock()
        with self._db.transaction() as session:
            task, policy = visible_task(session, actor, task_id)
            if not manages(actor, policy):
                raise Forbidden(f"Only a manager of {policy.department.name} can reassign its tasks.")
            _ready(task)
            self.hand_to(session, task, policy, username, actor.username, now)

    def hand_to(self, session, task: HumanTask, policy: Policy, username: str, actor: str, now) -> None:
        """Give ``task`` to ``username`` inside the caller's transaction (used by deactivation too)."""
        user = self._eligible(session, task, policy, username)
        column, current = ("assignee", task.assignee) if task.assignee is not None else ("claimed_by", task.claimed_by)
        if current == user.username:
            raise InvalidInput([FieldError("username", f"This task is already {user.username}'s.")])
        self._set(session, task, column, current, user.username)
        audit.record(session, at=now, actor=actor, action="task_reassigned", policy_id=policy.id, task=task,
                     data={"from": current, "to": user.username}, process_version_id=policy.process_version_id)
        mail = messages.new_task(self._notifier.base, user.username, task, policy.title, policy.department.name,
                                 shared=False)
        outbox.enqueue(session, user, kind=mail.kind, subject=mail.subject, body=mail.body, now=now,
                       policy_id=policy.id, task_id=task.id)

    def remind(self, actor: Actor, task_id: str) -> list[str]:
        """A manager reminds whoever a waiting task is for; the usernames reminded."""
        now = self._clock()
        with self._db.transaction() as session:
            task, policy = visible_task(session, actor, task_id)
            if not manages(actor, policy):
                raise Forbidden(f"Only a manager of {policy.department.name} can send reminders.")
            _ready(task)
            return self._reminders.remind_now(session, task, actor.username, now)

    def remind_waiting(self, actor: Actor, policy_id: int, lifecycle_step: str) -> list[str]:
        """Remind everyone whose per-person task of ``lifecycle_step`` on the policy is still waiting."""
        with self._db.reading() as session:
            task_ids = list(session.scalars(select(HumanTask.id).where(
                HumanTask.policy_id == policy_id, HumanTask.state == "ready", HumanTask.assignee.is_not(None),
                HumanTask.lifecycle_step == lifecycle_step).order_by(HumanTask.assignee)))
        if not task_ids:
            raise Conflict("Nobody is waiting to answer that step; no reminder was sent.")
        return [name for task_id in task_ids for name in self.remind(actor, task_id)]

    def candidates(self, actor: Actor, task_id: str) -> list[str]:
        """Who a manager could give the task to: active people of its role in the department."""
        with self._db.reading() as session:
            task, policy = visible_task(session, actor, task_id)
            if not manages(actor, policy):
                raise Forbidden(f"Only a manager of {policy.department.name} can reassign its tasks.")
            people = self._notifier.people_for(session, policy.department_id, task.lane, None)
            current = task.assignee or task.claimed_by
            return [user.username for user in people if user.username != current
                    and (task.assignee is None or user.department_id == policy.department_id)]

    @staticmethod
    def _eligible(session, task: HumanTask, policy: Policy, username: str) -> User:
        username = (username or "").strip() if isinstance(username, str) else ""
        if not username:
            raise InvalidInput([FieldError("username", "Say who should do the task (a username).")])
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            raise InvalidInput([FieldError("username", f"There is no active person called '{username}'.")])
        if task.lane not in user.roles:
            raise InvalidInput([FieldError("username", f"{username} does not have the {task.lane} role this "
                                                       "task needs.")])
        if user.department_id not in (None, policy.department_id) or (task.assignee and user.department_id is None):
            raise InvalidInput([FieldError("username", f"{username} is not in {policy.department.name}.")])
        return user

    @staticmethod
    def _set(session, task: HumanTask, column: str, current: str | None, new: str | None) -> None:
        field = getattr(HumanTask, column)
        guard = field.is_(None) if current is None else field == current
        changed = session.execute(update(HumanTask).where(HumanTask.id == task.id, HumanTask.state == "ready", guard)
                                  .values({column: new}).execution_options(synchronize_session=False)).rowcount
        if changed != 1:
            raise Conflict("Someone changed this task at the same moment; look again and retry.")
