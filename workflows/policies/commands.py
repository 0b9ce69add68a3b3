"""Commands on policies: start one, complete a task, fire due timers, and send events.

A completion reads the task, its policy and the workflow state, runs the step in
the sandbox (outside any transaction: diagram code may take up to its limits and
must not hold the database), then writes everything in one transaction guarded
by ``UPDATE policies … WHERE version = expected``. If anyone saved the policy in
between, the update matches no row, nothing is written, and the completion starts
again from what they saved — so two staff answering the consultation at once both
succeed, and the same task submitted twice is applied once while the second is
told who completed it. The same holds on SQLite and PostgreSQL, in one process or
many. Everything else that moves a running workflow (an incident reported, the
consultation closed early, a suspension) goes through ``advance``, which is the
same optimistic, audited save around another engine operation. The mail a step
causes is written to the outbox in the step's own transaction (``Notifier``).
"""
from __future__ import annotations

import logging
import random
import time
from datetime import datetime
from typing import Callable

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from workflows.engine.diagram_map import DiagramMap, diagram_map
from workflows.engine.processes import ProcessRegistry
from workflows.engine.steps import StepResult
from workflows.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound, WorkflowFailure
from workflows.forms import answer_rules, saved_answers
from workflows.forms import meaning as form_meaning
from workflows.forms import validation as forms
from workflows.forms.saved_answers import SavedAnswers
from workflows.notifications.notifier import Notifier
from workflows.people.accounts import Accounts, Actor
from workflows.policies import draft_changes, justifications, preference_answers, publication, timer_claims
from workflows.policies.status import PolicyStatus, policy_status
from workflows.sandbox import Sandbox
from workflows.storage import audit
from workflows.storage.database import Database
from workflows.storage.schema import HumanTask, Policy, WorkflowState, ready_task_row

log = logging.getLogger(__name__)

#: How often a completion starts again after someone else saved the policy first.
MAX_ATTEMPTS = 8


class StaleSave(Conflict):
    """The policy was saved by someone else since it was read."""


def retried(attempt: Callable[[], int], gave_up: str) -> int:
    """``attempt()`` (read, run the step, write), started again from what was saved
    whenever someone saved the policy first (it raised ``StaleSave``): the optimistic
    save every command that moves a workflow shares. ``gave_up`` is the Conflict's
    message when that keeps happening."""
    for number in range(MAX_ATTEMPTS):
        try:
            return attempt()
        except StaleSave:
            time.sleep(random.uniform(0, 0.002 * number))  # let the other writer finish
    raise Conflict(gave_up)


def may_see(actor: Actor, policy: Policy) -> bool:
    """People tied to a department see its policies; organisation-wide roles see all."""
    return actor.department_id is None or actor.department_id == policy.department_id


def may_act(actor: Actor, task: HumanTask, policy: Policy) -> bool:
    """The task is in one of the actor's lanes, for them (per-person) or not claimed by someone else."""
    return (task.lane in actor.roles and may_see(actor, policy)
            and (task.assignee is None or task.assignee == actor.username)
            and (task.claimed_by is None or task.claimed_by == actor.username))


def manages(actor: Actor, policy: Policy) -> bool:
    """A manager of the policy's department (names of who has not answered are theirs to see)."""
    return "manager" in actor.roles and actor.department_id in (None, policy.department_id)


def visible_task(session: Session, actor: Actor, task_id: str) -> tuple[HumanTask, Policy]:
    """A task with its policy, if the actor may see the policy (else NotFound: its existence is not shared)."""
    row = session.execute(select(HumanTask, Policy).join(Policy, HumanTask.policy_id == Policy.id)
                          .where(HumanTask.id == task_id)).first()
    if row is None or not may_see(actor, row[1]):
        raise NotFound(f"Task {task_id} does not exist.")
    return row[0], row[1]


def actors_task(session: Session, actor: Actor, task_id: str) -> tuple[HumanTask, Policy]:
    """A task the actor may act on, with its policy.

    Another department's task is reported as missing (not even its existence is
    shared); a visible task in someone else's lane is Forbidden.
    """
    task, policy = visible_task(session, actor, task_id)
    if not may_act(actor, task, policy):
        if task.lane in actor.roles and task.claimed_by and task.assignee is None:
            raise Forbidden(f"{task.claimed_by} has claimed this task; ask them or a manager to release it.")
        raise Forbidden("This task is not yours to complete.")
    return task, policy


def index_ready_tasks(session: Session, policy: Policy, before: set[str], ready: list, now: datetime) -> None:
    """The task index after a step: tasks that were ready (``before``) and are not any more are
    closed, tasks newly ready are added (``ready``: the step's ``ReadyTask``s)."""
    closed = before - {t.id for t in ready}
    if closed:
        session.execute(update(HumanTask).where(HumanTask.id.in_(closed), HumanTask.state == "ready")
                        .values(state="closed", completed_at=now).execution_options(synchronize_session=False))
    new = [t for t in ready if t.id not in before]
    if new:
        session.execute(insert(HumanTask), [ready_task_row(policy, t, now) for t in new])


def _ready_ids(session: Session, policy_id: int) -> dict[str, str | None]:
    """The policy's ready tasks: id → lifecycle step."""
    return dict(session.execute(select(HumanTask.id, HumanTask.lifecycle_step).where(
        HumanTask.policy_id == policy_id, HumanTask.state == "ready")).all())


class PolicyCommands:
    def __init__(self, database: Database, sandbox: Sandbox, registry: ProcessRegistry,
                 accounts: Accounts, clock, process_id: str, notifier: Notifier | None = None):
        self._db, self._sandbox, self._registry = database, sandbox, registry
        self._accounts, self._clock, self._process_id = accounts, clock, process_id
        self._notifier = notifier or Notifier()

    def start(self, actor: Actor, title: str, department: str) -> int:
        """Start a policy for a department on the latest process version; return its id."""
        if "manager" not in actor.roles:
            raise Forbidden("Only managers can start a policy.")
        title = (title or "").strip()
        if not title or len(title) > 200:
            raise InvalidInput([FieldError("title", "Title is required (at most 200 characters).")])
        now = self._clock()
        with self._db.reading() as session:
            dept = self._accounts.department(session, (department or "").strip())
            if actor.department_id not in (None, dept.id):
                raise Forbidden(f"You can only start policies for {actor.department}.")
            version = self._registry.latest(session, self._process_id)
            data = {"policy": {"title": title, "department": dept.name},
                    "staff_members": self._accounts.staff_of(session, dept.id)}
        result = self._step("start", version.id, data=data, now=now)
        with self._db.transaction() as session:
            policy = Policy(title=title, department_id=dept.id, process_version_id=version.id,
                            status=PolicyStatus.IN_PROGRESS, version=0,
                            created_by=actor.username, created_at=now, updated_at=now)
            session.add(policy)
            session.flush()
            session.add(WorkflowState(policy_id=policy.id, state="", data={}))
            audit.record(session, at=now, actor=actor.username, action="policy_started", policy_id=policy.id,
                         data={"title": title, "department": dept.name}, process_version_id=version.id)
            self._save(session, policy, result, before={}, now=now)
            return policy.id

    def complete(self, actor: Actor, task_id: str, data: dict | None = None, html_form=None) -> int:
        """Complete a task with form data (JSON ``data`` or a posted ``html_form``); return the policy id."""
        answers = None

        def attempt() -> int:
            nonlocal answers
            now = self._clock()
            with self._db.reading() as session:
                task, policy = actors_task(session, actor, task_id)
                if task.state != "ready":
                    by = f" by {task.completed_by}" if task.completed_by else ""
                    raise Conflict(f"This task was already completed{by}; nothing was changed.")
                state, workflow_data = session.execute(select(WorkflowState.state, WorkflowState.data)
                                                       .where(WorkflowState.policy_id == policy.id)).one()
                before = _ready_ids(session, policy.id)
                facts = {"staff_members": self._accounts.staff_of(session, policy.department_id)}
            bundle = self._registry.bundle(policy.process_version_id)
            schema = bundle.forms.get(task.form, {"type": "object"})
            if answers is None:
                answers = answer_rules.checked(schema, forms.coerce_html_form(schema, html_form)
                                               if html_form is not None else data, now.date())
                justifications.check(schema, answers, justifications.found(diagram_map(bundle), workflow_data or {}),
                                     each_on_its_own=html_form is not None)
            if form_meaning.briefing_requested(schema, answers):
                return self._request_briefing(actor, task_id, answers, now)
            result = self._step("complete", policy.process_version_id, state=state, task_id=task_id,
                                answers=answers, now=now, facts=facts)
            with self._db.transaction() as session:
                audit.record(session, at=now, actor=actor.username, action="task_completed",
                             policy_id=policy.id, task=task, data=answers,
                             process_version_id=policy.process_version_id)
                self._save(session, policy, result, before=before, now=now, completed=task, actor=actor.username)
                preference_answers.update(session, form=schema, answers=answers, assignee=task.assignee,
                                          actor=actor.username, now=now, source=task.lifecycle_step or "task")
            return policy.id

        return retried(attempt, "This policy is being changed by several people at once; nothing was changed. "
                                "Try again in a moment.")

    def _request_briefing(self, actor: Actor, task_id: str, answers: dict, now: datetime) -> int:
        """Someone asked to acknowledge asks for a briefing first: nothing runs, the task stays
        open with the answer saved beside it (the acknowledgement list shows it), and the
        department's managers are told by mail."""
        with self._db.transaction() as session:
            task, policy = actors_task(session, actor, task_id)
            saved = session.execute(update(HumanTask).where(HumanTask.id == task.id, HumanTask.state == "ready")
                                    .values(saved_answers=answers, saved_at=now, saved_by=actor.username)
                                    .execution_options(synchronize_session=False))
            if saved.rowcount != 1:
                raise Conflict("This task was completed a moment ago; nothing was changed.")
            audit.record(session, at=now, actor=actor.username, action="briefing_requested", policy_id=policy.id,
                         task=task, data=answers, process_version_id=policy.process_version_id)
            self._notifier.briefing_requested(session, policy, actor.username, now)
            return policy.id

    def save_answers(self, actor: Actor, task_id: str, data: dict | None = None, html_form=None) -> SavedAnswers:
        """Keep partial answers beside a ready task to continue later (not validated, not run)."""
        now = self._clock()
        with self._db.transaction() as session:
            task, policy = actors_task(session, actor, task_id)
            if task.state != "ready":
                raise Conflict("This task was already completed; there is nothing left to save.")
            schema = self._registry.bundle(policy.process_version_id).forms.get(task.form, {"type": "object"})
            answers = saved_answers.cleaned(schema, forms.coerce_html_form(schema, html_form)
                                            if html_form is not None else data)
            saved = session.execute(update(HumanTask).where(HumanTask.id == task.id, HumanTask.state == "ready")
                                    .values(saved_answers=answers, saved_at=now, saved_by=actor.username)
                                    .execution_options(synchronize_session=False))
            if saved.rowcount != 1:
                raise Conflict("This task was completed a moment ago; your answers were not saved.")
            audit.record(session, at=now, actor=actor.username, action="answers_saved", policy_id=policy.id,
                         task=task, process_version_id=policy.process_version_id)
        return SavedAnswers(answers, now, actor.username)

    def at(self, clock) -> "PolicyCommands":
        """The same commands reading another clock (demo data is dated in the past)."""
        return PolicyCommands(self._db, self._sandbox, self._registry, self._accounts, clock, self._process_id,
                              self._notifier)

    def close_task(self, actor_name: str, task_id: str, reason: str) -> int:
        """Close a ready task without answers (its person left), audited with ``reason``.

        The workflow carries on as if the task was done with an empty answer: a
        consultation counts it as not answered, an acknowledgement as not given."""
        def attempt() -> int:
            now = self._clock()
            with self._db.reading() as session:
                task = session.get(HumanTask, task_id)
                if task is None or task.state != "ready":
                    raise Conflict(f"Task {task_id} is no longer waiting; nothing was changed.")
                policy = session.get(Policy, task.policy_id)
                state = session.scalar(select(WorkflowState.state).where(WorkflowState.policy_id == policy.id))
                before = _ready_ids(session, policy.id)
            result = self._step("complete", policy.process_version_id, state=state, task_id=task_id,
                                answers={}, now=now)
            with self._db.transaction() as session:
                audit.record(session, at=now, actor=actor_name, action="task_closed", policy_id=policy.id,
                             task=task, data={"reason": reason, "assignee": task.assignee},
                             process_version_id=policy.process_version_id)
                self._save(session, policy, result, before=before, now=now, completed=task,
                           actor=actor_name, completed_state="closed")
            return policy.id

        return retried(attempt, "This policy is being changed by several people at once; nothing was changed.")

    def diagram_map_of(self, policy: Policy) -> DiagramMap:
        """What the policy's diagram version says of itself (keys, ratings, thresholds)."""
        return self.diagram_map_of_version(policy.process_version_id)

    def diagram_map_of_version(self, process_version_id: int) -> DiagramMap:
        return diagram_map(self._registry.bundle(process_version_id))

    def advance(self, actor_name: str, policy_id: int, operation: str, *, action: str, data: dict | None = None,
                check: Callable[[Policy], None] | None = None, changes: Callable[[Policy, datetime], dict] | None = None,
                also: Callable[[Session, Policy, datetime], None] | None = None, **arguments) -> int:
        """Run one engine ``operation`` on a policy and save it as a completion is saved.

        ``check(policy)`` refuses (raises) before anything runs; ``changes(policy, now)``
        gives policy columns to write with the step (a suspension's date and reason);
        ``also(session, policy, now)`` adds other rows to the same transaction (an incident).
        Audited as ``action`` with ``data``; retried when someone saved the policy first."""
        def attempt() -> int:
            now = self._clock()
            with self._db.reading() as session:
                policy = session.get(Policy, policy_id)
                if policy is None:
                    raise NotFound(f"Policy {policy_id} does not exist.")
                if check is not None:
                    check(policy)
                state = session.scalar(select(WorkflowState.state).where(WorkflowState.policy_id == policy_id))
                before = _ready_ids(session, policy_id)
            result = self._step(operation, policy.process_version_id, state=state, now=now, **arguments)
            with self._db.transaction() as session:
                audit.record(session, at=now, actor=actor_name, action=action, policy_id=policy_id, data=data,
                             process_version_id=policy.process_version_id)
                self._save(session, policy, result, before=before, now=now, actor=actor_name,
                           changes=changes(policy, now) if changes else None)
                if also is not None:
                    also(session, policy, now)
            return policy_id

        return retried(attempt, "This policy is being changed by several people at once; nothing was changed. "
                                "Try again in a moment.")

    def fire_due_timers(self, now: datetime | None = None) -> list[tuple[int, list[str]]]:
        """Fire every timer due by ``now`` (default: the clock); one transaction per policy."""
        now = now or self._clock()
        with self._db.reading() as session:
            due = list(session.scalars(select(Policy.id).where(Policy.next_timer_at <= now).order_by(Policy.id)))
        fired = []
        for policy_id in due:
            claimed = timer_claims.claim(self._db, policy_id, now, self._clock())
            if claimed is None:
                continue  # another process is firing it, or it fired since the list was read
            elements = []
            try:
                elements = self._fire(policy_id, now)
            except Conflict:
                pass  # someone saved the policy meanwhile; the next run sees the timer again
            except WorkflowFailure as failure:
                # One broken policy must not stop the others' reviews; it stays due and is retried.
                log.warning("Policy %s: its due timer could not fire: %s", policy_id, failure.message)
            finally:
                if not elements:
                    timer_claims.release(self._db, policy_id, claimed)
            if elements:
                fired.append((policy_id, elements))
        return fired

    def _fire(self, policy_id: int, now: datetime) -> list[str]:
        with self._db.reading() as session:
            policy = session.get(Policy, policy_id)
            if policy.next_timer_at is None or policy.next_timer_at > now:
                return []  # fired by another process between the list and the claim
            state = session.scalar(select(WorkflowState.state).where(WorkflowState.policy_id == policy_id))
            before = _ready_ids(session, policy_id)
        result = self._step("fire_due_timers", policy.process_version_id, state=state, now=now)
        if result.fired:
            with self._db.transaction() as session:
                audit.record(session, at=now, actor=audit.SYSTEM_ACTOR, action="timer_fired",
                             policy_id=policy.id, data={"timers": result.fired},
                             process_version_id=policy.process_version_id)
                self._save(session, policy, result, before=before, now=now, changes={"timer_claimed_until": None})
        return result.fired

    def _step(self, operation: str, version_id: int, **arguments) -> StepResult:
        """Run an engine step of the version's diagram in the sandbox."""
        bundle = self._registry.bundle(version_id)
        return self._sandbox.run(operation, bundle.content_hash, lambda: bundle.files, **arguments)

    def _save(self, session: Session, policy: Policy, result: StepResult, *, before: dict[str, str | None],
              now: datetime,
              completed: HumanTask | None = None, actor: str | None = None, completed_state: str = "completed",
              changes: dict | None = None) -> None:
        """Write the step's result, its derived columns, the task index and the mail it causes;
        refuse a stale save."""
        changes = dict(changes or {})
        published_now = (completed is not None and completed_state == "completed"
                         and completed.lifecycle_step == "publication")
        if published_now and policy.suspended_at is not None:
            changes.update(suspended_at=None, suspension_reason=None)  # the new version replaces the suspended one
        suspended = changes.get("suspended_at", policy.suspended_at) is not None
        withdrawn = changes.get("withdrawn_at", policy.withdrawn_at) is not None
        status = policy_status(result.completed, [t.lifecycle_step for t in result.ready],
                               published_now or policy.status != PolicyStatus.IN_PROGRESS,
                               suspended=suspended, withdrawn=withdrawn)
        dmap = diagram_map(self._registry.bundle(policy.process_version_id))
        draft = result.data.get(dmap.draft_key) if dmap.draft_key else None
        rating, initial = dmap.ratings(result.data)
        if withdrawn:  # the interrupting event that ends the lifecycle carries none of its data: keep the last
            draft = draft if isinstance(draft, dict) and draft else policy.draft
            rating = rating if rating is not None else policy.risk_rating
            initial = initial if initial is not None else policy.risk_rating_initial
        saved = session.execute(
            update(Policy).where(Policy.id == policy.id, Policy.version == policy.version)
            .values(version=policy.version + 1, status=status, draft=draft if isinstance(draft, dict) else {},
                    risk_rating=rating[:20] if rating is not None else None,
                    risk_rating_initial=initial[:20] if initial is not None else None,
                    next_timer_at=result.next_timer, updated_at=now, **changes)
            .execution_options(synchronize_session=False))
        if saved.rowcount != 1:
            raise StaleSave("Someone else changed this policy at the same moment.")
        session.execute(update(WorkflowState).where(WorkflowState.policy_id == policy.id)
                        .values(state=result.state, data=result.data).execution_options(synchronize_session=False))
        self._sync_tasks(session, policy, before, result, now, completed, actor, completed_state)
        if completed is not None and dmap.draft_key and completed.data_key == dmap.draft_key and isinstance(draft, dict):
            draft_changes.record(session, policy_id=policy.id, task_id=completed.id, task_title=completed.title,
                                 by=actor or audit.SYSTEM_ACTOR, at=now, draft=draft)
        if published_now:
            self._publish(session, policy, result, completed, actor, now)
            if policy.suspended_at is not None:
                audit.record(session, at=now, actor=actor, action="suspension_replaced", policy_id=policy.id,
                             data={"suspended_at": policy.suspended_at.isoformat()},
                             process_version_id=policy.process_version_id)
        self._notifier.after_step(session, policy, before=before, ready=result.ready,
                                  completed=completed if completed_state == "completed" else None, actor=actor,
                                  now=now)

    def _publish(self, session, policy: Policy, result: StepResult, completed: HumanTask, actor, now) -> None:
        details = result.data.get(completed.data_key) or {}
        review_due = publication.review_date(result.data) or result.next_timer
        bundle = self._registry.bundle(policy.process_version_id)
        version = publication.cut_version(
            session, policy=policy, bundle=bundle, dmap=diagram_map(bundle), data=result.data,
            publication_form=bundle.forms.get(completed.form, {}), publication=details, review_due=review_due,
            now=now)
        label = version.content.get("version_label") or str(version.number)
        session.execute(update(Policy).where(Policy.id == policy.id)
                        .values(published_version=label, early_review_reason=None)
                        .execution_options(synchronize_session=False))
        audit.record(session, at=now, actor=actor, action="policy_published", policy_id=policy.id,
                     data={"version": version.number, "label": label,
                           "effective_date": version.effective_date.isoformat(),
                           "review_due": review_due.isoformat() if review_due else None,
                           "review_opens": result.next_timer.isoformat() if result.next_timer else None},
                     process_version_id=policy.process_version_id)

    @staticmethod
    def _sync_tasks(session, policy: Policy, before: dict, result: StepResult, now, completed, actor,
                    completed_state: str = "completed") -> None:
        """Keep the task index in step with the workflow."""
        if completed is not None:
            done = session.execute(update(HumanTask).where(HumanTask.id == completed.id, HumanTask.state == "ready")
                                   .values(state=completed_state, completed_at=now, completed_by=actor,
                                           saved_answers=None, saved_at=None, saved_by=None)
                                   .execution_options(synchronize_session=False))
            if done.rowcount != 1:
                raise StaleSave("This task was completed by someone else a moment ago.")
        index_ready_tasks(session, policy, set(before) - {completed.id if completed else None}, result.ready, now)
