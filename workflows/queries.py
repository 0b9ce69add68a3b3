"""Read-side views of policies and tasks, shaped for both the HTML pages and the API.

Lists come from the human-task index and policy columns only; a single task's page
is the one place that loads a workflow, to pre-fill the form with current answers.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import or_, select

from . import audit
from .accounts import Actor
from .engine import WorkflowEngine
from .errors import NotFound
from .policies import actors_task, may_see
from .processes import ProcessRegistry
from .publication import consultation_counts, public_sections
from .schema import HumanTask, Policy, ProcessVersion
from .store import Database
from .tasks import current_data, describe

_INSTRUCTIONS = SandboxedEnvironment(autoescape=False)


def render_instructions(template: str, data: dict) -> str:
    """Render a diagram's instructions as plain text in a sandbox (the page escapes it)."""
    try:
        return _INSTRUCTIONS.from_string(template).render(**data)
    except (TemplateError, TypeError, ValueError) as error:
        return f"{template}\n\n(The instructions could not be filled in: {error})"


def task_summary(task: HumanTask, policy: Policy) -> dict:
    return {"id": task.id, "policy_id": policy.id, "policy_title": policy.title, "name": task.element_id,
            "title": task.title, "lane": task.lane, "lifecycle_step": task.lifecycle_step,
            "assignee": task.assignee, "form": task.form, "department": policy.department.name,
            "ready_since": task.ready_since}


@dataclass
class TaskPage:
    task: dict
    form: dict
    values: dict
    instructions: str
    policy: dict
    context: dict = field(default_factory=dict)


class PolicyQueries:
    def __init__(self, database: Database, engine: WorkflowEngine, registry: ProcessRegistry):
        self._db, self._engine, self._registry = database, engine, registry

    def inbox(self, actor: Actor) -> list[dict]:
        """The tasks ``actor`` may complete now, oldest first."""
        query = (select(HumanTask, Policy).join(Policy, HumanTask.policy_id == Policy.id)
                 .where(HumanTask.state == "ready", HumanTask.lane.in_(actor.roles),
                        or_(HumanTask.assignee.is_(None), HumanTask.assignee == actor.username))
                 .order_by(HumanTask.ready_since, HumanTask.id))
        if actor.department_id is not None:
            query = query.where(Policy.department_id == actor.department_id)
        with self._db.reading() as session:
            return [task_summary(task, policy) for task, policy in session.execute(query)]

    def policies(self, actor: Actor) -> list[dict]:
        query = select(Policy).order_by(Policy.updated_at.desc())
        if actor.department_id is not None:
            query = query.where(Policy.department_id == actor.department_id)
        with self._db.reading() as session:
            return [self._policy_dict(session, p, with_tasks=False) for p in session.scalars(query)]

    def policy(self, actor: Actor, policy_id: int) -> dict:
        with self._db.reading() as session:
            policy = self._visible_policy(session, actor, policy_id)
            return self._policy_dict(session, policy, with_tasks=True)

    def audit_trail(self, actor: Actor, policy_id: int) -> list[dict]:
        with self._db.reading() as session:
            self._visible_policy(session, actor, policy_id)
            versions = dict(session.execute(select(ProcessVersion.id, ProcessVersion.version)).all())
            return [{"at": e.at, "actor": e.actor, "action": e.action, "task": e.element_id,
                     "task_title": e.task_title, "task_id": e.task_id, "data": e.data,
                     "process_version": versions.get(e.process_version_id)}
                    for e in audit.events_for_policy(session, policy_id)]

    def diagram(self, actor: Actor, policy_id: int) -> tuple[str, str]:
        """(file name, BPMN XML) of the diagram version the policy runs on."""
        with self._db.reading() as session:
            policy = self._visible_policy(session, actor, policy_id)
            files = session.get(ProcessVersion, policy.process_version_id).files
        name = next(n for n in sorted(files) if n.endswith(".bpmn"))
        return name, files[name]

    def task_page(self, actor: Actor, task_id: str) -> TaskPage:
        """Everything the person completing a task needs to see, with current answers pre-filled."""
        with self._db.reading() as session:
            task, policy = actors_task(session, actor, task_id)
            policy_view = self._policy_dict(session, policy, with_tasks=False)
        bundle = self._registry.bundle(policy.process_version_id)
        workflow = self._engine.load(policy.workflow)
        spiff_task = self._engine.find_task(workflow, task_id)
        ready = describe(spiff_task)
        data = current_data(workflow) | spiff_task.data
        prefill = data.get(ready.data_key)
        instructions = spiff_task.task_spec.extensions.get("instructionsForEndUser") or ""
        return TaskPage(task={**task_summary(task, policy), "state": task.state,
                              "completed_by": task.completed_by},
                        form=bundle.forms.get(task.form, {"type": "object", "properties": {}}),
                        values=copy.deepcopy(prefill) if isinstance(prefill, dict) else {},
                        instructions=render_instructions(instructions, data), policy=policy_view,
                        context={**review_context(data),
                                 "draft_sections": public_sections(bundle, data.get("policy_draft") or {})})

    def _visible_policy(self, session, actor: Actor, policy_id: int) -> Policy:
        policy = session.get(Policy, policy_id)
        if policy is None or not may_see(actor, policy):
            raise NotFound(f"Policy {policy_id} does not exist.")
        return policy

    def _policy_dict(self, session, policy: Policy, with_tasks: bool) -> dict:
        version = session.get(ProcessVersion, policy.process_version_id)
        result = {"id": policy.id, "title": policy.title, "department": policy.department.name,
                  "status": str(policy.status), "risk_rating": policy.risk_rating,
                  "process": {"id": version.process_id, "version": version.version},
                  "created_by": policy.created_by, "created_at": policy.created_at,
                  "updated_at": policy.updated_at, "next_review_at": policy.next_timer_at}
        if with_tasks:
            tasks = session.scalars(select(HumanTask).where(HumanTask.policy_id == policy.id)
                                    .order_by(HumanTask.ready_since, HumanTask.id)).all()
            result["ready_tasks"] = [{"id": t.id, "name": t.element_id, "title": t.title, "lane": t.lane,
                                      "lifecycle_step": t.lifecycle_step, "ready_since": t.ready_since}
                                     for t in tasks if t.state == "ready"]
            result["completed_elements"] = sorted({t.element_id for t in tasks if t.state == "completed"})
            result["draft"] = policy.draft
            result["draft_sections"] = public_sections(self._registry.bundle(policy.process_version_id), policy.draft)
        return result


def review_context(data: dict) -> dict:
    """What reviewers weigh, with staff answers anonymised (order and names dropped)."""
    responses = [r for r in data.get("staff_responses") or [] if isinstance(r, dict)]
    return {
        "draft": data.get("policy_draft") or {},
        "risk_assessment": data.get("risk_assessment") or {},
        "risk_rating": data.get("risk_rating"),
        "consultation": consultation_counts(data),
        "staff_answers": sorted(responses, key=lambda r: str(r.get("willing_to_be_filmed"))),
        "patient_consultation": data.get("patient_consultation") or {},
        "signoffs": {key: data[key] for key in ("employer_signoff", "insurer_signoff") if data.get(key)},
    }
