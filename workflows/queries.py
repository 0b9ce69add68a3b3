"""Read-side views of policies and tasks, shaped for both the HTML pages and the API.

Nothing here loads or runs a workflow: lists read the human-task index and the
policy columns they show (through indexes, a page at a time), and a task's page
reads what the engine stored when the task became ready (its instructions and
starting answers) and the policy's current data.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from . import audit, review_context, timeline
from .accounts import Actor
from .diagram_map import DEFAULT_CONTEXT, RatingRule, diagram_map, merged_form
from .errors import FieldError, InvalidInput, NotFound
from .form_meaning import starting_answers
from .policies import actors_task, may_see
from .processes import ProcessRegistry
from .review_context import ReviewContext
from .saved_answers import SavedAnswers
from .schema import AuditEvent, Department, HumanTask, Policy, ProcessVersion, WorkflowState
from .store import Database

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
                number = default if value in (None, "") else int(value)
            except (TypeError, ValueError):
                number = None
            if number is None or not lowest <= number <= highest:
                raise InvalidInput([FieldError(name, f"{name} must be a whole number from {lowest} to {highest:,}.")])
            values[name] = number
        return cls(**values)


FIRST_PAGE = Page()


_TASK_COLUMNS = (HumanTask.id, HumanTask.policy_id, Policy.title.label("policy_title"),
                 HumanTask.element_id.label("name"), HumanTask.title, HumanTask.lane, HumanTask.lifecycle_step,
                 HumanTask.assignee, HumanTask.form, Department.name.label("department"), HumanTask.ready_since)
_POLICY_COLUMNS = (Policy.id, Policy.title, Department.name.label("department"), Policy.status, Policy.risk_rating,
                   ProcessVersion.process_id, ProcessVersion.version.label("process_version"), Policy.created_by,
                   Policy.created_at, Policy.updated_at, Policy.next_timer_at, Policy.department_id,
                   Policy.process_version_id)


def _policy_view(row) -> dict:
    return {"id": row.id, "title": row.title, "department": row.department, "status": str(row.status),
            "risk_rating": row.risk_rating, "process": {"id": row.process_id, "version": row.process_version},
            "created_by": row.created_by, "created_at": row.created_at, "updated_at": row.updated_at,
            "next_review_at": row.next_timer_at}


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
    def __init__(self, database: Database, registry: ProcessRegistry):
        self._db, self._registry = database, registry

    def inbox(self, actor: Actor, page: Page = FIRST_PAGE) -> list[dict]:
        """The tasks ``actor`` may complete now, oldest first."""
        query = (select(*_TASK_COLUMNS).join(Policy, HumanTask.policy_id == Policy.id)
                 .join(Department, HumanTask.department_id == Department.id)
                 .where(HumanTask.state == "ready", HumanTask.lane.in_(actor.roles),
                        or_(HumanTask.assignee.is_(None), HumanTask.assignee == actor.username))
                 .order_by(HumanTask.ready_since, HumanTask.id).limit(page.limit).offset(page.offset))
        if actor.department_id is not None:
            query = query.where(HumanTask.department_id == actor.department_id)
        with self._db.reading() as session:
            return [dict(row._mapping) for row in session.execute(query)]

    def my_task_ids(self, actor: Actor, policy_id: int) -> set[str]:
        """The ready tasks of one policy that ``actor`` may complete now."""
        query = (select(HumanTask.id).where(HumanTask.policy_id == policy_id, HumanTask.state == "ready",
                                            HumanTask.lane.in_(actor.roles),
                                            or_(HumanTask.assignee.is_(None), HumanTask.assignee == actor.username)))
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
        with self._db.reading() as session:
            row = self._visible(session, actor, policy_id)
            view = _policy_view(row)
            tasks = session.execute(select(HumanTask.id, HumanTask.element_id, HumanTask.title, HumanTask.lane,
                                           HumanTask.lifecycle_step, HumanTask.ready_since)
                                    .where(HumanTask.policy_id == policy_id, HumanTask.state == "ready")
                                    .order_by(HumanTask.ready_since, HumanTask.id)).all()
            completed = session.scalars(select(HumanTask.element_id).distinct()
                                        .where(HumanTask.policy_id == policy_id, HumanTask.state == "completed"))
            view["completed_elements"] = sorted(completed)
            draft = session.scalar(select(Policy.draft).where(Policy.id == policy_id)) or {}
        view["ready_tasks"] = [{"id": t.id, "name": t.element_id, "title": t.title, "lane": t.lane,
                                "lifecycle_step": t.lifecycle_step, "ready_since": t.ready_since} for t in tasks]
        view["draft"] = draft
        bundle = self._registry.bundle(row.process_version_id)
        dmap = diagram_map(bundle)
        view["draft_sections"] = [{"field": d.name, "label": d.label, "value": d.value} for d in
                                  review_context.draft_details(merged_form(bundle, dmap.storing(dmap.draft_key)), draft)]
        return view

    def audit_trail(self, actor: Actor, policy_id: int, page: Page = FIRST_PAGE) -> list[dict]:
        """The policy's events, oldest first; anonymous answers carry no name except for its managers."""
        with self._db.reading() as session:
            policy = self._visible(session, actor, policy_id)
            rows = session.execute(
                select(AuditEvent, ProcessVersion.version, HumanTask.form)
                .outerjoin(ProcessVersion, AuditEvent.process_version_id == ProcessVersion.id)
                .outerjoin(HumanTask, AuditEvent.task_id == HumanTask.id)
                .where(AuditEvent.policy_id == policy_id).order_by(AuditEvent.id)
                .limit(page.limit).offset(page.offset)).all()
        bundle = self._registry.bundle(policy.process_version_id)
        names_shown = "manager" in actor.roles
        events = []
        for event, version, form in rows:
            anonymous_form = bool(bundle.forms.get(form, {}).get("x-anonymous"))
            anonymous = not names_shown and anonymous_form
            who = "a member of staff" if anonymous else event.actor
            told = timeline.story(event.action, event.task_title, event.data, bundle.forms.get(form), anonymous_form)
            events.append({"at": event.at, "actor": who, "action": event.action, "task": event.element_id,
                           "task_title": event.task_title, "task_id": event.task_id,
                           "data": None if anonymous else event.data, "process_version": version,
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
            context = review_context.build(session, bundle, dmap, policy.id, data,
                                           step.review_context if step else DEFAULT_CONTEXT)
        form = bundle.forms.get(task.form, {"type": "object", "properties": {}})
        saved = (SavedAnswers(stored.saved_answers, stored.saved_at, stored.saved_by)
                 if stored.saved_answers is not None and task.state == "ready" else None)
        scores_risks = any(prop.get("x-role") == "likelihood" for prop in form.get("properties", {}).values())
        summary = {"id": task.id, "policy_id": policy.id, "policy_title": policy.title, "name": task.element_id,
                   "title": task.title, "lane": task.lane, "lifecycle_step": task.lifecycle_step,
                   "assignee": task.assignee, "form": task.form, "department": policy_view["department"],
                   "ready_since": task.ready_since, "state": task.state, "completed_by": task.completed_by}
        return TaskPage(task=summary, form=form, values=starting_answers(form, stored.prefill),
                        instructions=stored.instructions or "", policy=policy_view, context=context, draft=saved,
                        rating_rules=dmap.rating_rules if scores_risks else ())

    def _visible(self, session, actor: Actor, policy_id: int):
        row = session.execute(_policies_query().where(Policy.id == policy_id)).first()
        if row is None or not may_see(actor, row):
            raise NotFound(f"Policy {policy_id} does not exist.")
        return row

