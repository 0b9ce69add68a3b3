"""Decisions taken on a policy (sign-offs and reviews), read back from the audit trail.

Every completion is audited with its answers, so the sign-off history needs no
workflow: each event of a task in a deciding lifecycle step is read with the
task's form, whose ``"x-role": "outcome"`` field says what was decided (and its
``"x-approvedWhen"`` value which answer approves) and whose ``"comments"`` fields
say why.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.engine.diagram_map import DECISION_STEPS, SIGNOFF_STEPS

#: The steps whose decision can send a policy back for revision.
SENDING_BACK = (*SIGNOFF_STEPS, "information_governance", "ratification")
from workflows.engine.specs import ProcessBundle
from workflows.forms import meaning as form_meaning
from workflows.storage.schema import AuditEvent, HumanTask


@dataclass(frozen=True)
class Answer:
    """One other answer recorded with a decision, labelled as its form asked it."""

    label: str
    value: str | list[str]


@dataclass(frozen=True)
class Decision:
    """One decision: who took it, in which step and lane, when, what and why."""

    title: str
    lifecycle_step: str
    lane: str | None
    by: str
    at: datetime
    outcome: str | None
    approved: bool
    comments: list[str]
    #: What else the form recorded (an equality assessment's impacts and adjustments, the data-protection
    #: position): an outcome alone ("go ahead with the adjustments above") does not say which.
    answers: list[Answer] = field(default_factory=list)


def outcome_of(form: dict, answers: dict | None) -> tuple[str | None, bool, list[str]]:
    """(outcome label, whether it approves, comments) of a completed form's answers."""
    answers = answers or {}
    field = form_meaning.first_with_role(form, "outcome")
    value = answers.get(field) if field else None
    prop = form_meaning.props(form).get(field, {}) if field else {}
    label = form_meaning.display(prop, value) if value is not None else None
    approved = form_meaning.approves(prop, value)
    comments = [str(answers[name]).strip() for name in form_meaning.with_role(form, "comments")
                if isinstance(answers.get(name), str) and answers[name].strip()]
    return (label if isinstance(label, str) else None), approved, comments


def other_answers(form: dict, answers: dict | None) -> list[Answer]:
    """The answers that apply, in form order, except the outcome and comments ``outcome_of`` reads."""
    answers = answers or {}
    said = {form_meaning.first_with_role(form, "outcome"), *form_meaning.with_role(form, "comments")}
    return [Answer(form_meaning.label(form, name), form_meaning.display(prop, answers[name]))
            for name, prop in form_meaning.props(form).items()
            if name not in said and answers.get(name) not in (None, "", [])
            and form_meaning.applies(form, name, answers)]


def decisions(session: Session, bundle: ProcessBundle, policy_id: int, after_event: int = 0,
              steps: tuple[str, ...] = DECISION_STEPS) -> list[Decision]:
    """The policy's decisions in ``steps`` (audit event id above ``after_event``), oldest first."""
    rows = session.execute(
        select(AuditEvent.id, AuditEvent.at, AuditEvent.actor, AuditEvent.data, AuditEvent.task_title,
               HumanTask.lifecycle_step, HumanTask.lane, HumanTask.form)
        .join(HumanTask, AuditEvent.task_id == HumanTask.id)
        .where(AuditEvent.policy_id == policy_id, AuditEvent.action == "task_completed",
               AuditEvent.id > after_event, HumanTask.lifecycle_step.in_(steps))
        .order_by(AuditEvent.id)).all()
    found = []
    for row in rows:
        form = bundle.forms.get(row.form, {})
        outcome, approved, comments = outcome_of(form, row.data)
        found.append(Decision(row.task_title or row.lifecycle_step, row.lifecycle_step, row.lane, row.actor, row.at,
                              outcome, approved, comments, other_answers(form, row.data)))
    return found


def sent_back(session: Session, bundle: ProcessBundle, policy_id: int, ready_since: datetime) -> Decision | None:
    """The review that sent the policy back to a revision that became ready at ``ready_since``
    (a sign-off, information governance or the committee): the latest such decision up to then,
    when it did not approve (None for a first revision)."""
    taken = [d for d in decisions(session, bundle, policy_id, steps=SENDING_BACK) if d.at <= ready_since]
    return taken[-1] if taken and not taken[-1].approved else None
