"""Warning signs that a later step resolved, and how.

A form marks a field that resolves warning signs with ``"x-resolves"``: the signs'
ids (the ``"sign"`` of each warning sign the diagram works out) mapped to how a
``true`` answer resolves them, for example the employer's sign-off ticking
"local arrangements checked against the risk management strategy" resolves
``employer_not_aware``. Read back from the audit trail, like the decisions, so
no workflow is loaded and a renamed field changes nothing here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.engine.specs import ProcessBundle
from workflows.forms import meaning as form_meaning
from workflows.storage.schema import AuditEvent, HumanTask


@dataclass(frozen=True)
class ResolvedSign:
    sign: str
    text: str
    how: str
    by: str
    at: datetime
    step: str


def _resolving_forms(bundle: ProcessBundle) -> dict[str, dict[str, dict]]:
    """{form name: {field: {sign id: how}}} for every form with a field marked ``x-resolves``."""
    found: dict[str, dict[str, dict]] = {}
    for name, form in bundle.forms.items():
        for field, prop in form_meaning.props(form).items():
            if isinstance(prop.get("x-resolves"), dict):
                found.setdefault(name, {})[field] = prop["x-resolves"]
    return found


def resolved(session: Session, bundle: ProcessBundle, policy_id: int, signs: list[dict]) -> list[ResolvedSign]:
    """Which of ``signs`` (``{"sign", "text"}``) a completed step resolved: the latest resolution of each."""
    forms = _resolving_forms(bundle)
    if not forms or not signs:
        return []
    rows = session.execute(
        select(AuditEvent.at, AuditEvent.actor, AuditEvent.data, AuditEvent.task_title, HumanTask.form)
        .join(HumanTask, AuditEvent.task_id == HumanTask.id)
        .where(AuditEvent.policy_id == policy_id, AuditEvent.action == "task_completed",
               HumanTask.form.in_(list(forms)))
        .order_by(AuditEvent.id)).all()
    how: dict[str, tuple] = {}
    for row in rows:
        for field, resolves in forms[row.form].items():
            if isinstance(row.data, dict) and row.data.get(field) is True:
                for sign, text in resolves.items():
                    how[sign] = (str(text), row.actor, row.at, row.task_title or "")
    return [ResolvedSign(s["sign"], str(s.get("text") or s["sign"]), *how[s["sign"]])
            for s in signs if isinstance(s, dict) and s.get("sign") in how]
