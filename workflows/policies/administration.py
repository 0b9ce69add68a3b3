"""Administration of people as it touches running policies.

Adding a member of staff to a department asks them to acknowledge its published
policies; deactivating someone hands each of their open per-person tasks to a
colleague or closes it (recorded as not answered), releases what they claimed,
and ends their sessions and tokens, so no task is ever left waiting for a person
who cannot sign in.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from workflows.errors import Conflict, FieldError, InvalidInput
from workflows.people import password_rules
from workflows.people.accounts import Accounts, Person
from workflows.policies.assignments import Assignments
from workflows.policies.commands import PolicyCommands
from workflows.policies.lifecycle_events import LifecycleEvents
from workflows.storage import audit
from workflows.storage.database import Database
from workflows.storage.schema import HumanTask, Policy


@dataclass(frozen=True)
class OpenTask:
    id: str
    policy_id: int
    policy_title: str
    title: str
    lane: str | None
    claimed: bool  # a shared task they claimed (released on deactivation) rather than one of their own


class Administration:
    def __init__(self, database: Database, accounts: Accounts, commands: PolicyCommands,
                 assignments: Assignments, lifecycle: LifecycleEvents, clock):
        self._db, self._accounts, self._commands = database, accounts, commands
        self._assignments, self._lifecycle, self._clock = assignments, lifecycle, clock

    def add_person(self, actor: str, username: str, password: str, roles: list[str], department: str | None,
                   email: str | None, mail_digest: bool = False, errors: list[FieldError] = ()) -> Person:
        """Add a person with a password someone chose, which must pass the password rules as one a
        person chooses for themselves does (an operator's ``user add --password``; an invitation's
        random one). Every problem, with ``errors`` found by the caller, is told at once."""
        problems = list(errors)
        weak = password_rules.problem(password, password_rules.context_words(username, email)) if password else None
        if weak:
            problems.append(FieldError("password", weak))
        self._accounts.add_user(username, password, roles, department=department, email=email, actor=actor,
                                mail_digest=mail_digest, errors=problems)
        self._lifecycle.welcome_staff(username, actor)
        return self._accounts.person(username)

    def update_person(self, actor: str, username: str, *, roles: list[str], department: str | None,
                      email: str | None, mail_digest: bool) -> Person:
        before, after = self._accounts.update_user(username, roles=roles, department=department, email=email,
                                                   mail_digest=mail_digest, actor=actor)
        joined = "staff" in after.roles and after.department and (
            "staff" not in before.roles or before.department != after.department)
        if joined and after.active:
            self._lifecycle.welcome_staff(username, actor)
        return after

    def open_tasks(self, username: str) -> list[OpenTask]:
        """The waiting tasks that are ``username``'s alone or that they claimed."""
        with self._db.reading() as session:
            rows = session.execute(select(HumanTask, Policy.title).join(Policy, HumanTask.policy_id == Policy.id)
                                   .where(HumanTask.state == "ready",
                                          (HumanTask.assignee == username) | (HumanTask.claimed_by == username))
                                   .order_by(HumanTask.ready_since, HumanTask.id)).all()
        return [OpenTask(task.id, task.policy_id, title, task.title, task.lane, task.assignee is None)
                for task, title in rows]

    def deactivate(self, actor: str, username: str, hand_to: str | None = None) -> dict:
        """Deactivate ``username``; each open per-person task goes to ``hand_to`` if given, else
        is closed; claimed shared tasks are released. Returns what happened, for the page."""
        person = self._accounts.person(username)
        if not person.active:
            raise Conflict(f"{username} is already deactivated.")
        if hand_to is not None and hand_to.strip() == username:
            raise InvalidInput([FieldError("hand_to", "Hand the tasks to someone else.")])
        tasks = self.open_tasks(username)
        now = self._clock()
        reassigned, closed, released = [], [], []
        if hand_to:
            # All or nothing: every task goes to the colleague, or (InvalidInput) none does.
            with self._db.transaction() as session:
                for open_task in tasks:
                    if open_task.claimed:
                        continue
                    task = session.get(HumanTask, open_task.id)
                    self._assignments.hand_to(session, task, session.get(Policy, task.policy_id), hand_to, actor, now)
                    reassigned.append(open_task)
        with self._db.transaction() as session:
            for open_task in tasks:
                if open_task.claimed:
                    session.execute(update(HumanTask).where(HumanTask.id == open_task.id,
                                                            HumanTask.claimed_by == username)
                                    .values(claimed_by=None).execution_options(synchronize_session=False))
                    audit.record(session, at=now, actor=actor, action="task_released", policy_id=open_task.policy_id,
                                 task=open_task, data={"claimed_by": username, "reason": "deactivated"})
                    released.append(open_task)
            self._accounts.deactivate(session, username, actor, now)
        for open_task in tasks:
            if not open_task.claimed and not hand_to:
                self._commands.close_task(actor, open_task.id, f"{username} was deactivated")
                closed.append(open_task)
        return {"reassigned": reassigned, "closed": closed, "released": released}
