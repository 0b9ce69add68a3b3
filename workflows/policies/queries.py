"""Read-side views of policies and tasks, shaped for both the HTML pages and the API.

Nothing here loads or runs a workflow: lists read the human-task index and the
policy columns they show (through indexes, a page at a time), and a task's page
reads what the engine stored when the task became ready (its instructions and
starting answers) and the policy's current data.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from workflows.engine.diagram_map import DEFAULT_CONTEXT, RatingRule, diagram_map, merged_form
from workflows.engine.processes import ProcessRegistry
from workflows.errors import FieldError, Forbidden, InvalidInput, NotFound
from workflows.forms.meaning import preference_fields, starting_answers
from workflows.forms.saved_answers import SavedAnswers
from workflows.people.accounts import Actor
from workflows.policies import decisions, justifications, preference_answers, review_context, timeline
from workflows.policies.commands import actors_task, manages, may_see
from workflows.policies.incidents import INCIDENT_REPORTED
from workflows.policies.incidents import may_read as may_read_incidents
from workflows.policies.review_context import ReviewContext
from workflows.policies.status import WAITING_FOR_REVIEW
from workflows.storage import audit
from workflows.storage.database import Database
from workflows.storage.schema import (
    AuditEvent,
    Department,
    HumanTask,
    Policy,
    ProcessVersion,
    PublishedVersion,
    User,
    WorkflowState,
)

#: Audit events whose data names people in a way only the department's managers may see
#: (who has not answered is visible from who was given someone else's task; who joined the
#: department is who the next acknowledgement is from).
NAMED_FOR_MANAGERS = frozenset({"task_reassigned", "task_closed", "task_released", "acknowledgement_requested"})

DEFAULT_LIMIT, MAX_LIMIT = 50, 500


@dataclass(frozen=True)
class Page:
    """Which slice of a list to read: ``limit`` items from ``offset``."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0

    @classmethod
    def of(cls, limit=None, offset=None) -> "Page":
        """A page from request values (text or numbers), or InvalidInput naming the bad one."""
        values = {}
        for name, value, default, highest in (("limit", limit, DEFAULT_LIMIT, MAX_LIMIT),
                                              ("offset", offset, 0, 10**9)):
            lowest = 1 if name == "limit" else 0
            try:
                number = default if value is None else int(value)
            except (TypeError, ValueError):
                number = None
            if number is None or not lowest <= number <= highest:
                raise InvalidInput([FieldError(name, f"{name} must be a whole number from {lowest} to {highest:,}.")])
            values[name] = number
        return cls(**values)


FIRST_PAGE = Page()


_TASK_COLUMNS = (HumanTask.id, HumanTask.policy_id, Policy.title.label("policy_title"),
                 HumanTask.element_id.label("name"), HumanTask.title, HumanTask.lane, HumanTask.lifecycle_step,
                 HumanTask.assignee, HumanTask.form, Department.name.label("department"), HumanTask.ready_since,
                 HumanTask.due_at, HumanTask.claimed_by)
_POLICY_COLUMNS = (Policy.id, Policy.title, Department.name.label("department"), Policy.status, Policy.risk_rating,
                   Policy.risk_rating_initial, Policy.published_version, Policy.early_review_reason,
                   ProcessVersion.process_id, ProcessVersion.version.label("process_version"), Policy.created_by,
                   Policy.created_at, Policy.updated_at, Policy.next_timer_at, Policy.department_id,
                   Policy.process_version_id, Policy.suspended_at, Policy.suspension_reason, Policy.withdrawn_at,
                   Policy.withdrawal_reason)


def _policy_view(row) -> dict:
    return {"id": row.id, "title": row.title, "department": row.department, "status": str(row.status),
            "risk_rating": row.risk_rating, "risk_rating_initial": row.risk_rating_initial,
            "published_version": row.published_version, "early_review_reason": row.early_review_reason,
            "process": {"id": row.process_id, "version": row.process_version},
            "created_by": row.created_by, "created_at": row.created_at, "updated_at": row.updated_at,
            "next_review_at": row.next_timer_at if row.status in WAITING_FOR_REVIEW else None,
            "suspended_at": row.suspended_at, "suspension_reason": row.suspension_reason,
            "withdrawn_at": row.withdrawn_at, "withdrawal_reason": row.withdrawal_reason}


def _mine(actor: Actor):
    """Ready tasks ``actor`` may complete now: in their lanes, for them or shared and not claimed by another."""
    return (HumanTask.lane.in_(actor.roles),
            or_(HumanTask.assignee.is_(None), HumanTask.assignee == actor.username),
            or_(HumanTask.claimed_by.is_(None), HumanTask.claimed_by == actor.username))


def _policies_query():
    return (select(*_POLICY_COLUMNS).join(Department, Policy.department_id == Department.id)
            .join(ProcessVersion, Policy.process_version_id == ProcessVersion.id))


@dataclass
class TaskPage:
    """A task as the person completing it sees it: its form with the answers it starts
    from (``values``), answers they saved to continue later (``draft``), and the evidence."""

    task: dict
    form: dict
    values: dict
    instructions: str
    policy: dict
    context: ReviewContext = field(default_factory=ReviewContext)
    draft: SavedAnswers | None = None
    #: The risk rating decision's rows, for a form whose fields score risks.
    rating_rules: tuple[RatingRule, ...] = ()


class PolicyQueries:
    def __init__(self, database: Database, registry: ProcessRegistry, clock):
        self._db, self._registry, self._clock = database, registry, clock

    def inbox(self, actor: Actor, page: Page = FIRST_PAGE) -> list[dict]:
        """The tasks ``actor`` may complete now: the soonest due first (so overdue ones lead),
        then those without a due date, oldest first."""
        query = (select(*_TASK_COLUMNS).join(Policy, HumanTask.policy_id == Policy.id)
                 .join(Department, HumanTask.department_id == Department.id)
                 .where(HumanTask.state == "ready", *_mine(actor))
                 .order_by(HumanTask.due_order, HumanTask.ready_since, HumanTask.id)
                 .limit(page.limit).offset(page.offset))
        if actor.department_id is not None:
            query = query.where(HumanTask.department_id == actor.department_id)
        now = self._clock()
        with self._db.reading() as session:
            tasks = [{**row._mapping, "overdue": row.due_at is not None and row.due_at <= now, "returned": None}
                     for row in session.execute(query)]
            for task in tasks:
                if task["lifecycle_step"] == "revision":
                    task["returned"] = self._returned(session, task["policy_id"], task["ready_since"])
        return tasks

    def _returned(self, session, policy_id: int, ready_since) -> dict | None:
        """Who sent a revision back, and why (the sign-off's comments), for the inbox."""
        version_id = session.scalar(select(Policy.process_version_id).where(Policy.id == policy_id))
        decision = decisions.sent_back(session, self._registry.bundle(version_id), policy_id, ready_since)
        if decision is None:
            return None
        return {"by": decision.by, "step": decision.title, "outcome": decision.outcome, "at": decision.at,
                "comments": decision.comments}

    def my_task_ids(self, actor: Actor, policy_id: int) -> set[str]:
        """The ready tasks of one policy that ``actor`` may complete now."""
        query = select(HumanTask.id).where(HumanTask.policy_id == policy_id, HumanTask.state == "ready", *_mine(actor))
        if actor.department_id is not None:
            query = query.where(HumanTask.department_id == actor.department_id)
        with self._db.reading() as session:
            return set(session.scalars(query))

    def policies(self, actor: Actor, page: Page = FIRST_PAGE) -> list[dict]:
        query = _policies_query().order_by(Policy.updated_at.desc(), Policy.id.desc())
        if actor.department_id is not None:
            query = query.where(Policy.department_id == actor.department_id)
        with self._db.reading() as session:
            return [_policy_view(row) for row in session.execute(query.limit(page.limit).offset(page.offset))]

    def policy(self, actor: Actor, policy_id: int) -> dict:
        """A policy with its ready tasks; the department's managers also see whom each
        per-person task is waiting for (``assignee``) and who claimed a shared one."""
        now = self._clock()
        with self._db.reading() as session:
            row = self._visible(session, actor, policy_id, Policy.draft)
            view = _policy_view(row)
            names_shown = manages(actor, row)
            tasks = session.execute(select(HumanTask.id, HumanTask.element_id, HumanTask.title, HumanTask.lane,
                                           HumanTask.lifecycle_step, HumanTask.ready_since, HumanTask.due_at,
                                           HumanTask.assignee, HumanTask.claimed_by)
                                    .where(HumanTask.policy_id == policy_id, HumanTask.state == "ready")
                                    .order_by(HumanTask.ready_since, HumanTask.id)).all()
            completed = session.scalars(select(HumanTask.element_id).distinct()
                                        .where(HumanTask.policy_id == policy_id, HumanTask.state == "completed"))
            view["completed_elements"] = sorted(completed)
            draft = row.draft or {}
        view["ready_tasks"] = []
        for t in tasks:
            task = {"id": t.id, "name": t.element_id, "title": t.title, "lane": t.lane,
                    "lifecycle_step": t.lifecycle_step, "ready_since": t.ready_since, "due_at": t.due_at,
                    "overdue": t.due_at is not None and t.due_at <= now, "per_person": t.assignee is not None}
            if names_shown:
                task.update(assignee=t.assignee, claimed_by=t.claimed_by)
            view["ready_tasks"].append(task)
        view["managed"] = names_shown
        view["draft"] = draft
        bundle = self._registry.bundle(row.process_version_id)
        dmap = diagram_map(bundle)
        view["draft_sections"] = [{"field": d.name, "label": d.label, "value": d.value} for d in
                                  review_context.draft_details(merged_form(bundle, dmap.storing(dmap.draft_key)), draft)]
        return view

    def audit_trail(self, actor: Actor, policy_id: int, page: Page = FIRST_PAGE) -> list[dict]:
        """The policy's events, oldest first; anonymous answers carry no name except for its managers,
        and neither does what a person did on their own task (a per-person task: their consultation,
        their acknowledgement). Naming those would tell everyone who acknowledged or asked for a
        briefing, and tie the unnamed preference changes a review shows, by their time, to a name.
        Who reported an incident is named only to those who read the incidents."""
        with self._db.reading() as session:
            policy = self._visible(session, actor, policy_id)
            rows = session.execute(
                select(AuditEvent, ProcessVersion.version, HumanTask.form, HumanTask.assignee)
                .outerjoin(ProcessVersion, AuditEvent.process_version_id == ProcessVersion.id)
                .outerjoin(HumanTask, AuditEvent.task_id == HumanTask.id)
                .where(AuditEvent.policy_id == policy_id).order_by(AuditEvent.id)
                .limit(page.limit).offset(page.offset)).all()
        bundle = self._registry.bundle(policy.process_version_id)
        names_shown, reads_incidents = manages(actor, policy), may_read_incidents(actor, policy)
        events = []
        for event, version, form, assignee in rows:
            anonymous_form = bool(bundle.forms.get(form, {}).get("x-anonymous"))
            anonymous = ((not names_shown and (anonymous_form or (assignee is not None and event.actor == assignee)))
                         or (not reads_incidents and event.action == INCIDENT_REPORTED))
            hidden = anonymous or (not names_shown and event.action in NAMED_FOR_MANAGERS)
            who = "a member of staff" if anonymous else event.actor
            told = timeline.story(event.action, event.task_title, event.data, bundle.forms.get(form), anonymous_form)
            events.append({"at": event.at, "actor": who, "action": event.action, "task": event.element_id,
                           "task_title": event.task_title, "task_id": event.task_id,
                           "data": None if hidden else _unnamed(event.data, bundle.forms.get(form), names_shown,
                                                                anonymous_form and event.action == "task_completed"),
                           "process_version": version,
                           "story": told,
                           "summary": told.sentence(None if event.actor == audit.SYSTEM_ACTOR else who)})
        return events

    def audit_count(self, actor: Actor, policy_id: int) -> int:
        with self._db.reading() as session:
            self._visible(session, actor, policy_id)
            return session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.policy_id == policy_id))

    def diagram(self, actor: Actor, policy_id: int) -> tuple[str, str]:
        """(file name, BPMN XML) of the diagram version the policy runs on."""
        with self._db.reading() as session:
            policy = self._visible(session, actor, policy_id)
            files = session.get(ProcessVersion, policy.process_version_id).files
        name = next(n for n in sorted(files) if n.endswith(".bpmn"))
        return name, files[name]

    def task_page(self, actor: Actor, task_id: str) -> TaskPage:
        """Everything the person completing a task needs to see, with its starting answers."""
        with self._db.reading() as session:
            task, policy = actors_task(session, actor, task_id)
            stored = session.execute(select(HumanTask.instructions, HumanTask.prefill, HumanTask.saved_answers,
                                            HumanTask.saved_at, HumanTask.saved_by)
                                     .where(HumanTask.id == task.id)).one()
            policy_view = _policy_view(self._visible(session, actor, policy.id))
            data = session.scalar(select(WorkflowState.data).where(WorkflowState.policy_id == policy.id)) or {}
            bundle = self._registry.bundle(policy.process_version_id)
            dmap = diagram_map(bundle)
            step = dmap.tasks.get(task.element_id)
            parts = step.review_context if step else DEFAULT_CONTEXT
            if task.lifecycle_step == "review" and review_context.PREFERENCE_CHANGES not in parts:
                parts = (*parts, review_context.PREFERENCE_CHANGES)  # what a "no changes" review must weigh
            context = review_context.build(session, bundle, dmap, policy.id, data, parts,
                                           names_shown=manages(actor, policy))
            form = justifications.for_signs(bundle.forms.get(task.form, {"type": "object", "properties": {}}),
                                            justifications.found(dmap, data))
            prefill = {**(stored.prefill or {}), **preference_answers.starting(session, form, task.assignee)}
        saved = (SavedAnswers(stored.saved_answers, stored.saved_at, stored.saved_by)
                 if stored.saved_answers is not None and task.state == "ready" else None)
        scores_risks = any(prop.get("x-role") == "likelihood" for prop in form.get("properties", {}).values())
        summary = {"id": task.id, "policy_id": policy.id, "policy_title": policy.title, "name": task.element_id,
                   "title": task.title, "lane": task.lane, "lifecycle_step": task.lifecycle_step,
                   "assignee": task.assignee, "form": task.form, "department": policy_view["department"],
                   "ready_since": task.ready_since, "state": task.state, "completed_by": task.completed_by,
                   "due_at": task.due_at, "claimed_by": task.claimed_by}
        return TaskPage(task=summary, form=form, values=starting_answers(form, prefill),
                        instructions=stored.instructions or "", policy=policy_view, context=context, draft=saved,
                        rating_rules=dmap.rating_rules if scores_risks else ())

    def acknowledgements(self, actor: Actor, policy_id: int) -> list[dict]:
        """Who has and has not acknowledged the latest published version (the department's managers only)."""
        with self._db.reading() as session:
            row = self._visible(session, actor, policy_id)
            if not manages(actor, row):
                raise Forbidden("Only the department's managers see who has acknowledged the policy.")
            published_at = session.scalar(select(func.max(PublishedVersion.published_at))
                                          .where(PublishedVersion.policy_id == policy_id))
            if published_at is None:
                return []
            tasks = session.execute(
                select(HumanTask.id, HumanTask.assignee, HumanTask.state, HumanTask.completed_at)
                .join(User, User.username == HumanTask.assignee)
                .where(HumanTask.policy_id == policy_id, HumanTask.lifecycle_step == "acknowledgement",
                       HumanTask.ready_since >= published_at, HumanTask.state.in_(("ready", "completed")),
                       User.active.is_(True))
                .order_by(HumanTask.assignee, HumanTask.ready_since)).all()
            open_ids = [t.id for t in tasks if t.state == "ready"]
            briefings = dict(session.execute(
                select(AuditEvent.task_id, func.max(AuditEvent.at))
                .where(AuditEvent.policy_id == policy_id, AuditEvent.action == "briefing_requested",
                       AuditEvent.task_id.in_(open_ids)).group_by(AuditEvent.task_id)).all()) if open_ids else {}
        latest = {t.assignee: (t.completed_at if t.state == "completed" else None, briefings.get(t.id)) for t in tasks}
        return [{"username": name, "acknowledged_at": at, "briefing_requested_at": asked}
                for name, (at, asked) in sorted(latest.items())]

    def may_read_incidents(self, actor: Actor, policy_id: int) -> bool:
        with self._db.reading() as session:
            policy = session.get(Policy, policy_id)
            return policy is not None and may_read_incidents(actor, policy)

    def _visible(self, session, actor: Actor, policy_id: int, *also):
        """The policy's row (with the columns ``also``), if the actor may see it."""
        row = session.execute(_policies_query().add_columns(*also).where(Policy.id == policy_id)).first()
        if row is None or not may_see(actor, row):
            raise NotFound(f"Policy {policy_id} does not exist.")
        return row


def _unnamed(data, form: dict | None, names_shown: bool, anonymous_answers: bool = False):
    """An event's answers without a person's recording preference (``x-preference`` fields),
    unless the reader is a manager: those are tied to the name of whoever answered. A manager
    reading an anonymous form's answers (staff views) gets only those preferences, the part
    named to them for rotas: the rest (comments) reaches them unnamed, in the evidence."""
    marked = preference_fields(form or {})
    if not isinstance(data, dict):
        return data
    if names_shown:
        return {name: value for name, value in data.items() if name in marked} if anonymous_answers else data
    return {name: value for name, value in data.items() if name not in marked} if marked else data
