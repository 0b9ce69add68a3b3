"""Document control as trusts print it: identity, approval, reviews, consultation, links, changes.

Composed when a version is published and stored with it (see ``documents``). Each
fact is read through the diagram's ``lifecycleStep`` properties and the forms'
``x-role`` marks, never by field or variable name:

- from the draft: ``author``, ``guidance-title`` and ``guidance-date`` (the
  reference), ``related-documents`` (one a line: a title, then an optional web
  address);
- from the audit trail: the ``ratification`` (committee by its ``group-name``
  field, the meeting by the form's first date field, ``minute-reference``,
  ``amendments``), the ``equality_impact`` and ``information_governance`` reviews
  (their first date field, else the day they were completed), the staff
  consultation's dates and the patient group (``group-name`` and its date);
- a version's label: a new sign-off makes the next major version ("2"); a version
  republished without one was reviewed without change and is the next minor
  version ("1.1").

Only what a trust prints is stored: dates, role titles, committee and group
names, counts from ``MIN_STAFF_COUNT`` up; never an option value or a person's name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.engine.specs import ProcessBundle
from workflows.forms import meaning as form_meaning
from workflows.storage.schema import AuditEvent, HumanTask

DEFAULT_REFERENCE_PATTERN = "IMG-REC-{id:03d}"
GOVERNANCE_STEPS = ("ratification", "equality_impact", "information_governance")
_CONSULTATION_STEPS = ("staff_consultation", "patient_consultation")
_LINK = re.compile(r"\s*(?:[-–—|:]\s*)?(https?://\S+)\s*$")


@dataclass(frozen=True)
class StepAnswers:
    """One completed task of a step, with its form and answers, as the audit trail keeps it."""

    step: str
    at: datetime
    form: dict
    answers: dict


def completed(session: Session, bundle: ProcessBundle, policy_id: int, steps: tuple[str, ...],
              after_event: int = 0) -> list[StepAnswers]:
    """The completions of tasks in ``steps`` (audit event id above ``after_event``), oldest first."""
    rows = session.execute(
        select(AuditEvent.at, AuditEvent.data, HumanTask.lifecycle_step, HumanTask.form)
        .join(HumanTask, AuditEvent.task_id == HumanTask.id)
        .where(AuditEvent.policy_id == policy_id, AuditEvent.action == "task_completed",
               AuditEvent.id > after_event, HumanTask.lifecycle_step.in_(steps))
        .order_by(AuditEvent.id)).all()
    return [StepAnswers(row.lifecycle_step, row.at, bundle.forms.get(row.form, {}),
                        row.data if isinstance(row.data, dict) else {}) for row in rows]


def from_draft(form: dict, draft: dict) -> dict:
    """What the draft says about the document itself: author, references, related documents."""
    title = _answer(form, draft, "guidance-title")
    return {
        "author": _answer(form, draft, "author"),
        "references": [{"title": title, "date": _date_answer(form, draft, "guidance-date")}] if title else [],
        "related_documents": related_documents(_answer(form, draft, "related-documents")),
    }


def related_documents(text: str) -> list[dict]:
    """Each line of the related-documents field as {"title", "url"}: a web address ending a line is its link."""
    found = []
    for line in text.splitlines():
        match = _LINK.search(line)
        title = (line[:match.start()] if match else line).strip(" \t-–—|:")
        if title or match:
            found.append({"title": title or match[1], "url": match[1] if match else None})
    return found


def governance(all_steps: list[StepAnswers], cycle_steps: list[StepAnswers]) -> dict:
    """The committee's ratification in this cycle, and the latest equality and information-governance reviews."""
    ratified = next((s for s in reversed(cycle_steps) if s.step == "ratification" and _approved(s)), None)
    reviewed = {step: next((s for s in reversed(all_steps) if s.step == step), None)
                for step in ("equality_impact", "information_governance")}
    return {
        "ratification": {
            "committee": _answer(ratified.form, ratified.answers, "group-name"),
            "date": _step_date(ratified),
            "minute_reference": _answer(ratified.form, ratified.answers, "minute-reference"),
            "with_amendments": bool(_answer(ratified.form, ratified.answers, "amendments")),
            "amendments": _answer(ratified.form, ratified.answers, "amendments"),  # published, as chair's action
        } if ratified else None,
        "equality_impact_on": _step_date(reviewed["equality_impact"]),
        "information_governance_on": _step_date(reviewed["information_governance"]),
    }


def consultation(cycle_steps: list[StepAnswers], staff_consulted: int, min_count: int) -> dict:
    """Who was consulted, when: staff (counted from ``min_count`` up) and the patient group by name."""
    staff = [s.at.date() for s in cycle_steps if s.step == "staff_consultation"]
    group = next((s for s in reversed(cycle_steps) if s.step == "patient_consultation"), None)
    return {
        "staff_asked": staff_consulted > 0 or bool(staff),
        "staff_consulted": staff_consulted if staff_consulted >= min_count else None,
        "staff_from": min(staff).isoformat() if staff else None,
        "staff_to": max(staff).isoformat() if staff else None,
        "patient_liaison_consulted": group is not None,
        "patient_group": _answer(group.form, group.answers, "group-name") if group else "",
        "patient_group_on": _step_date(group),
    }


def version_label(previous_label: str | None, signed_off: bool) -> str:
    """"1" for the first version; the next major after a new sign-off; else the next minor ("1.1")."""
    if not previous_label:
        return "1"
    major, _, minor = previous_label.partition(".")
    if signed_off:
        return str(int(major) + 1)
    return f"{major}.{int(minor or 0) + 1}"


def label_of(content: dict | None, number: int) -> str:
    """A stored version's label (versions published before labels are their number)."""
    return str((content or {}).get("version_label") or number)


def reference(pattern: str | None, policy_id: int) -> str:
    """The policy's reference number from the trust's pattern, e.g. ``IMG-REC-{id:03d}`` → IMG-REC-007."""
    return pattern.format(id=policy_id) if pattern else ""  # a pattern from the trust's settings, checked at start


def _approved(step: StepAnswers) -> bool:
    field = form_meaning.first_with_role(step.form, "outcome")
    if not field:
        return True
    return form_meaning.approves(form_meaning.props(step.form)[field], step.answers.get(field))


def _answer(form: dict, answers: dict, role: str) -> str:
    field = form_meaning.first_with_role(form, role)
    value = answers.get(field) if field else None
    return value.strip() if isinstance(value, str) else ""


def _date_answer(form: dict, answers: dict, role: str) -> str | None:
    return _iso(_answer(form, answers, role))


def _step_date(step: StepAnswers | None) -> str | None:
    """The day a step's decision was taken: its form's first date field (a meeting), else its completion."""
    if step is None:
        return None
    for name, prop in form_meaning.props(step.form).items():
        if prop.get("format") == "date" and _iso(step.answers.get(name)):
            return _iso(step.answers.get(name))
    return step.at.date().isoformat()


def _iso(value) -> str | None:
    try:
        return date.fromisoformat(value).isoformat() if isinstance(value, str) else None
    except ValueError:
        return None
