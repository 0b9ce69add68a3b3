"""Commands on policies: start one, complete a task, fire due timers.

Each command is one transaction. A completion reads the task and its policy in
one query, runs the workflow in memory, then writes the policy with
``UPDATE … WHERE version = expected``: if anyone saved the policy in between, the
update matches no row and the whole unit of work rolls back as a Conflict, so a
submission is applied exactly once or not at all — on SQLite and PostgreSQL alike.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from . import audit, forms, publication
from .accounts import Accounts, Actor
from .engine import WorkflowEngine, waiting_timers
from .errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound, WorkflowFailure
from .processes import ProcessRegistry
from .schema import HumanTask, Policy
from .status import PolicyStatus, policy_status
from .store import Database
from .tasks import ReadyTask, current_data, ready_human_tasks

log = logging.getLogger(__name__)


def may_see(actor: Actor, policy: Policy) -> bool:
    """People tied to a department see its policies; organisation-wide roles see all."""
    return actor.department_id is None or actor.department_id == policy.department_id


def may_act(actor: Actor, task: HumanTask, policy: Policy) -> bool:
    return (task.lane in actor.roles and may_see(actor, policy)
            and (task.assignee is None or task.assignee == actor.username))


def actors_task(session: Session, actor: Actor, task_id: str, lock: bool = False) -> tuple[HumanTask, Policy]:
    """A task the actor may act on, with its policy; optionally locking the policy row.

    Another department's task is reported as missing (not even its existence is
    shared); a visible task in someone else's lane is Forbidden. The lock queues
    two people answering tasks of one policy at once (staff answering the
    consultation together, say) instead of failing one of them: the second reads
    the policy as the first saved it. On SQLite, BEGIN IMMEDIATE gives the same
    queueing; the version check in PolicyCommands._save stays as the guard.
    """
    query = select(HumanTask, Policy).join(Policy, HumanTask.policy_id == Policy.id).where(HumanTask.id == task_id)
    row = session.execute(query.with_for_update(of=Policy) if lock else query).first()
    if row is None or not may_see(actor, row[1]):
        raise NotFound(f"Task {task_id} does not exist.")
    task, policy = row
    if not may_act(actor, task, policy):
        raise Forbidden("This task is not yours to complete.")
    return task, policy


class PolicyCommands:
    def __init__(self, database: Database, engine: WorkflowEngine, registry: ProcessRegistry,
                 accounts: Accounts, clock, process_id: str):
        self._db, self._engine, self._registry = database, engine, registry
        self._accounts, self._clock, self._process_id = accounts, clock, process_id

    def start(self, actor: Actor, title: str, department: str) -> int:
        """Start a policy for a department on the latest process version; return its id."""
        if "manager" not in actor.roles:
            raise Forbidden("Only managers can start a policy.")
        title = (title or "").strip()
        if not title or len(title) > 200:
            raise InvalidInput([FieldError("title", "Title is required (at most 200 characters).")])
        now = self._clock()
        with self._db.transaction() as session:
            dept = self._accounts.department(session, (department or "").strip())
            if actor.department_id not in (None, dept.id):
                raise Forbidden(f"You can only start policies for {actor.department}.")
            version = self._registry.latest(session, self._process_id)
            bundle = self._registry.bundle(version.id)
            data = {"policy": {"title": title, "department": dept.name},
                    "staff_members": self._accounts.staff_of(session, dept.id)}
            workflow = self._engine.start(bundle, data)
            policy = Policy(title=title, department=dept, process_version_id=version.id,
                            status=PolicyStatus.IN_PROGRESS, workflow="", version=0,
                            created_by=actor.username, created_at=now, updated_at=now)
            session.add(policy)
            session.flush()
            audit.record(session, at=now, actor=actor.username, action="policy_started", policy_id=policy.id,
                         data={"title": title, "department": dept.name}, process_version_id=version.id)
            self._save(session, policy, workflow, before=[], now=now)
            return policy.id

    def complete(self, actor: Actor, task_id: str, data: dict | None = None, html_form=None) -> int:
        """Complete a task with form data (JSON ``data`` or a posted ``html_form``); return the policy id."""
        now = self._clock()
        with self._db.transaction() as session:
            task, policy = actors_task(session, actor, task_id, lock=True)
            if task.state != "ready":
                by = f" by {task.completed_by}" if task.completed_by else ""
                raise Conflict(f"This task was already completed{by}; nothing was changed.")
            schema = self._registry.bundle(policy.process_version_id).forms.get(task.form, {"type": "object"})
            answers = forms.validate(schema, forms.coerce_html_form(schema, html_form) if html_form is not None else data)
            workflow = self._engine.load(policy.workflow)
            before = ready_human_tasks(workflow)
            done = next((t for t in before if t.id == task_id), None)
            if done is None:
                raise Conflict("This task is no longer waiting for an answer; nothing was changed.")
            self._engine.complete(workflow, task_id, done.data_key, answers)
            audit.record(session, at=now, actor=actor.username, action="task_completed", policy_id=policy.id,
                         task=done, data=answers, process_version_id=policy.process_version_id)
            self._save(session, policy, workflow, before=before, now=now, completed=done, actor=actor.username)
            return policy.id

    def fire_due_timers(self, now: datetime | None = None) -> list[tuple[int, list[str]]]:
        """Fire every timer due by ``now`` (default: the clock); one transaction per policy."""
        now = now or self._clock()
        with self._db.reading() as session:
            due = list(session.scalars(select(Policy.id).where(Policy.next_timer_at <= now).order_by(Policy.id)))
        fired = []
        for policy_id in due:
            try:
                with self._db.transaction() as session:
                    policy = session.scalars(select(Policy).where(Policy.id == policy_id)
                                             .with_for_update(of=Policy)).one()
                    workflow = self._engine.load(policy.workflow)
                    before = ready_human_tasks(workflow)
                    elements = self._engine.fire_due_timers(workflow, now)
                    if elements:
                        audit.record(session, at=now, actor=audit.SYSTEM_ACTOR, action="timer_fired",
                                     policy_id=policy.id, data={"timers": elements},
                                     process_version_id=policy.process_version_id)
                        self._save(session, policy, workflow, before=before, now=now)
                        fired.append((policy_id, elements))
            except Conflict:
                continue  # someone saved the policy meanwhile; the next run sees the timer again
            except WorkflowFailure as failure:
                # One broken policy must not stop the others' reviews; it stays due and is retried.
                log.warning("Policy %s: its due timer could not fire: %s", policy_id, failure.message)
        return fired

    def _save(self, session: Session, policy: Policy, workflow, *, before: list[ReadyTask], now: datetime,
              completed: ReadyTask | None = None, actor: str | None = None) -> None:
        """Write the workflow, its derived columns and the task index; refuse a stale save."""
        data = current_data(workflow)
        after = ready_human_tasks(workflow)
        timers = [due for _task, due in waiting_timers(workflow) if due is not None]
        published_now = completed is not None and completed.lifecycle_step == "publication"
        status = policy_status(workflow.is_completed(), bool(after),
                               published_now or policy.status != PolicyStatus.IN_PROGRESS)
        values = dict(workflow=self._engine.dump(workflow), version=policy.version + 1, status=status,
                      draft=data.get("policy_draft") or {}, risk_rating=data.get("risk_rating"),
                      next_timer_at=min(timers) if timers else None, updated_at=now)
        saved = session.execute(update(Policy).where(Policy.id == policy.id, Policy.version == policy.version)
                                .values(**values).execution_options(synchronize_session=False))
        if saved.rowcount != 1:
            raise Conflict("Someone else changed this policy at the same moment; nothing was changed. Reload and try again.")
        self._sync_tasks(session, policy.id, before, after, now, completed, actor)
        if published_now:
            publication.cut_version(session, policy=policy, bundle=self._registry.bundle(policy.process_version_id),
                                    data=data, publication=data.get(completed.data_key) or {},
                                    review_due=min(timers) if timers else None, now=now)
            audit.record(session, at=now, actor=actor, action="policy_published", policy_id=policy.id,
                         data={"effective_date": (data.get(completed.data_key) or {}).get("effective_date"),
                               "review_due": min(timers).isoformat() if timers else None},
                         process_version_id=policy.process_version_id)

    @staticmethod
    def _sync_tasks(session, policy_id, before, after, now, completed, actor) -> None:
        before_ids, after_ids = {t.id for t in before}, {t.id for t in after}
        if completed is not None:
            result = session.execute(update(HumanTask).where(HumanTask.id == completed.id, HumanTask.state == "ready")
                                     .values(state="completed", completed_at=now, completed_by=actor)
                                     .execution_options(synchronize_session=False))
            if result.rowcount != 1:
                raise Conflict("This task was completed by someone else a moment ago; nothing was changed.")
        closed = before_ids - after_ids - {completed.id if completed else None}
        if closed:
            session.execute(update(HumanTask).where(HumanTask.id.in_(closed), HumanTask.state == "ready")
                            .values(state="closed", completed_at=now).execution_options(synchronize_session=False))
        new = [t for t in after if t.id not in before_ids]
        if new:
            session.execute(insert(HumanTask), [
                dict(id=t.id, policy_id=policy_id, element_id=t.element_id, title=t.title, lane=t.lane,
                     lifecycle_step=t.lifecycle_step, assignee=t.assignee, form=t.form, state="ready",
                     ready_since=now) for t in new])
