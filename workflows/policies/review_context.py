"""What a person deciding on a policy sees beside their form: the evidence.

The task's ``reviewContext`` property names the parts it needs (the draft, what
changed since the last round, the risk assessment, the consultation, warning
signs, revision notes, earlier sign-offs, the published version to acknowledge). Each part is built from stored data
only — the policy's current workflow data, the draft rounds and the audit trail —
found through the diagram's properties and the forms' ``x-role``/``x-risk`` marks,
so a renamed field or variable in a diagram changes nothing here. Staff answers
are counted and their comments shown without names or order.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflows.engine.diagram_map import DiagramMap, merged_form
from workflows.engine.specs import ProcessBundle
from workflows.forms import meaning as form_meaning
from workflows.people import recording_preferences as register
from workflows.policies import draft_changes, justifications
from workflows.policies.decisions import Decision, decisions
from workflows.policies.document_control import GOVERNANCE_STEPS, label_of
from workflows.policies.draft_changes import DraftChanges
from workflows.policies.incident_reports import since_last_publication
from workflows.policies.resolved_signs import ResolvedSign, resolved
from workflows.storage.schema import DraftRound, HumanTask, Policy, PublishedVersion, User, UserRole

#: The part that lists the recording preferences changed since the last staff consultation;
#: every task of step ``review`` shows it too, for a "no changes" review must weigh them.
PREFERENCE_CHANGES = "preference_changes"


@dataclass(frozen=True)
class Detail:
    label: str
    value: str | list[str]
    name: str | None = None  # the form field it comes from


@dataclass(frozen=True)
class Risk:
    name: str
    likelihood: int | None
    likelihood_label: str | None
    impact: int | None
    impact_label: str | None
    score: int | None
    mitigations: str | None
    details: list[Detail] = field(default_factory=list)
    #: After the mitigations (the reassessment's ``residual_likelihood``/``residual_impact``), and who owns the risk.
    residual_likelihood: int | None = None
    residual_impact: int | None = None
    residual_score: int | None = None
    owner: str | None = None


@dataclass(frozen=True)
class RatingStep:
    """One row of the rating decision, and whether it is the one that gave the rating."""

    rating: str
    description: str
    applies: bool


@dataclass(frozen=True)
class RiskAssessment:
    risks: list[Risk]
    rationale: str | None
    other: list[Detail]
    rating: str | None
    highest_score: int | None
    highest_risks: list[str]
    scale: list[RatingStep]
    #: The rating before mitigations and its highest score; ``rating`` is the residual one once scored.
    initial_rating: str | None = None
    initial_highest_score: int | None = None
    residual_highest_score: int | None = None


@dataclass(frozen=True)
class Count:
    label: str
    count: int


@dataclass(frozen=True)
class Consultation:
    staff_responses: int
    staff_views: list[Count]
    staff_comments: list[str]
    liaison: list[Detail]
    no_response: int = 0  # staff who had not answered when the consultation closed
    #: What staff willing only with conditions asked for (``"x-role": "conditions"``), apart from comments.
    staff_conditions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PublishedText:
    """The latest published version: its number and the policy as it was published."""

    number: int
    published_at: datetime
    details: list[Detail]
    label: str = ""  # "1.1" for a version reviewed without change


@dataclass(frozen=True)
class PreferenceChange:
    """One person's recording preference, changed since the last consultation. ``username``
    is None for anyone but the department's managers (names are theirs only)."""

    username: str | None
    changed_at: str
    changes: list[Detail]  # one per changed field: "Video: Willing → Not willing"


@dataclass(frozen=True)
class ReviewContext:
    parts: list[str] = field(default_factory=list)
    draft: list[Detail] = field(default_factory=list)
    changes: DraftChanges | None = None
    risk_assessment: RiskAssessment | None = None
    consultation: Consultation | None = None
    #: Each warning sign the diagram found, with the manager's justification for it.
    warning_signs: list[justifications.WarningSign] = field(default_factory=list)
    justification: str | None = None
    revision_notes: str | None = None
    signoffs: list[Decision] = field(default_factory=list)
    #: The equality impact assessment, information governance review and ratification: who, when, what.
    governance: list[Decision] = field(default_factory=list)
    incidents: list = field(default_factory=list)  # incident_reports.IncidentView, since the last publication
    preference_changes: list[PreferenceChange] | None = None
    published: PublishedText | None = None
    #: Warning signs a later step resolved (``"x-resolves"``), with how; they stay in ``warning_signs``.
    resolved_signs: list[ResolvedSign] = field(default_factory=list)


def build(session: Session, bundle: ProcessBundle, dmap: DiagramMap, policy_id: int, data: dict,
          parts: tuple[str, ...], names_shown: bool = False) -> ReviewContext:
    """The parts of the evidence a task asks for, from the policy's stored data
    (``names_shown``: the reader manages the department)."""
    draft_form = merged_form(bundle, dmap.storing(dmap.draft_key))
    draft = data.get(dmap.draft_key) if isinstance(data.get(dmap.draft_key), dict) else {}
    wanted = set(parts)
    justification, notes = _written(bundle, dmap, data, "justification"), _written(bundle, dmap, data, "revision-notes")
    return ReviewContext(
        parts=list(parts),
        draft=draft_details(draft_form, draft) if "draft" in wanted else [],
        changes=draft_changes.since_last_round(session, policy_id, draft_form) if "changes" in wanted else None,
        risk_assessment=risk_assessment(bundle, dmap, data) if "risk_assessment" in wanted else None,
        consultation=consultation(bundle, dmap, data) if "consultation" in wanted else None,
        warning_signs=warning_signs(bundle, dmap, data) if "warning_signs" in wanted else [],
        resolved_signs=(resolved(session, bundle, policy_id, justifications.found(dmap, data))
                        if "warning_signs" in wanted else []),
        justification=justification if "warning_signs" in wanted else None,
        revision_notes=notes if "revision_notes" in wanted else None,
        signoffs=decisions(session, bundle, policy_id) if "signoffs" in wanted else [],
        governance=(decisions(session, bundle, policy_id, steps=GOVERNANCE_STEPS)
                    if "governance" in wanted else []),
        incidents=since_last_publication(session, policy_id) if "incidents" in wanted else [],
        preference_changes=(preference_changes(session, policy_id, names_shown)
                            if PREFERENCE_CHANGES in wanted else None),
        published=published_text(session, policy_id, draft_form) if "published" in wanted else None,
    )


def preference_changes(session: Session, policy_id: int, names_shown: bool) -> list[PreferenceChange]:
    """The department's staff whose standing recording preference changed since the policy's
    last staff consultation (every entry, when it has had none), oldest change first."""
    department_id = session.scalar(select(Policy.department_id).where(Policy.id == policy_id))
    since = session.scalar(select(func.max(HumanTask.completed_at)).where(
        HumanTask.policy_id == policy_id, HumanTask.lifecycle_step == "staff_consultation"))
    staff = list(session.scalars(select(User.username).join(UserRole).where(
        User.department_id == department_id, User.active.is_(True), UserRole.role == "staff")))
    shown = []
    for change in sorted(register.changes_since(session, staff, since), key=lambda c: c["at"]):
        before, after = change["before"], change["after"]
        details = [Detail(_field_label(name), f"{_choice(before.get(name))} → {_choice(after.get(name))}", name)
                   for name in register.FIELDS if before.get(name) != after.get(name)]
        shown.append(PreferenceChange(change["username"] if names_shown else None,
                                      change["at"].isoformat(), details))
    return shown


def _field_label(name: str) -> str:
    return register.KIND_LABELS.get(name, "Conditions")


def _choice(value) -> str:
    return register.CHOICE_LABELS.get(value, value) if value else "not given"


def published_text(session: Session, policy_id: int, draft_form: dict) -> PublishedText | None:
    """The latest published version as it was published: the draft round saved last before it
    (a review opened since may have changed the current draft; people acknowledge what was published)."""
    latest = session.execute(select(PublishedVersion.number, PublishedVersion.published_at, PublishedVersion.content)
                             .where(PublishedVersion.policy_id == policy_id)
                             .order_by(PublishedVersion.number.desc()).limit(1)).first()
    if latest is None:
        return None
    draft = session.scalar(select(DraftRound.draft).where(DraftRound.policy_id == policy_id,
                                                          DraftRound.saved_at <= latest.published_at)
                           .order_by(DraftRound.number.desc()).limit(1))
    return PublishedText(latest.number, latest.published_at, draft_details(draft_form, draft or {}),
                         label_of(latest.content, latest.number))


def draft_details(form: dict, draft: dict) -> list[Detail]:
    """Every answered field of the draft, labelled, in form order (per-round notes left out)."""
    shown = []
    for name, prop in form_meaning.props(form).items():
        value = draft.get(name)
        if prop.get("x-startsEmpty") or value in (None, "", []):
            continue
        shown.append(Detail(form_meaning.label(form, name), form_meaning.display(prop, value), name))
    return shown


def risk_assessment(bundle: ProcessBundle, dmap: DiagramMap, data: dict) -> RiskAssessment | None:
    """Each risk's likelihood, impact, score and mitigations, and how the rating was reached."""
    forms = [(bundle.forms.get(task.form or "", {}), task.data_key) for task in dmap.tasks.values()]
    # The reassessment's form (with residual scores) reads the answers best once they hold those scores.
    forms.sort(key=lambda pair: not form_meaning.with_role(pair[0], "residual_likelihood"))
    for form, key in forms:
        answers = data.get(key)
        if form_meaning.with_role(form, "likelihood") and isinstance(answers, dict):
            if set(form_meaning.with_role(form, "residual_likelihood")) - set(answers):
                continue  # the reassessment's form, when only the first assessment is stored yet
            return _assessment(form, answers, dmap, *dmap.ratings(data))
    return None


def _assessment(form: dict, answers: dict, dmap: DiagramMap, rating, initial_rating=None) -> RiskAssessment:
    groups: dict[str, dict] = {}
    other, rationale = [], None
    for name, prop in form_meaning.props(form).items():
        value, risk, role = answers.get(name), prop.get("x-risk"), prop.get("x-role")
        if role == "rationale":
            rationale = value if isinstance(value, str) else None
        elif risk:
            group = groups.setdefault(risk, {"details": []})
            if role in ("likelihood", "impact", "mitigations", "residual_likelihood", "residual_impact", "owner"):
                group[role] = value
                group[f"{role}_label"] = form_meaning.display(prop, value) if value is not None else None
            elif value not in (None, ""):
                group["details"].append(Detail(form_meaning.label(form, name), form_meaning.display(prop, value)))
        elif value not in (None, "", []):
            other.append(Detail(form_meaning.label(form, name), form_meaning.display(prop, value)))
    risks = []
    for name, group in groups.items():
        likelihood, impact = group.get("likelihood"), group.get("impact")
        score = likelihood * impact if isinstance(likelihood, int) and isinstance(impact, int) else None
        residual_likelihood, residual_impact = group.get("residual_likelihood"), group.get("residual_impact")
        residual = residual_likelihood * residual_impact if isinstance(residual_likelihood, int) \
            and isinstance(residual_impact, int) else None
        risks.append(Risk(name, likelihood, group.get("likelihood_label"), impact, group.get("impact_label"), score,
                          group.get("mitigations"), group["details"], residual_likelihood, residual_impact, residual,
                          group.get("owner") if isinstance(group.get("owner"), str) else None))
    initial_highest = max((r.score for r in risks if r.score is not None), default=None)
    residual_highest = max((r.residual_score for r in risks if r.residual_score is not None), default=None)
    highest = residual_highest if residual_highest is not None else initial_highest
    deciding = [r.name for r in risks if highest is not None
                and (r.residual_score if residual_highest is not None else r.score) == highest]
    scale = [RatingStep(rule.rating, rule.description, str(rule.rating) == str(rating)) for rule in dmap.rating_rules]
    return RiskAssessment(risks, rationale, other, str(rating) if rating is not None else None, highest,
                          deciding, scale, initial_rating, initial_highest, residual_highest)


def consultation(bundle: ProcessBundle, dmap: DiagramMap, data: dict) -> Consultation | None:
    """Staff views counted by answer with their comments (no names, no order), and the liaison group's view."""
    responses, silent, views, comments, conditions = 0, 0, {}, [], []
    for task in dmap.of_step("staff_consultation"):
        form = bundle.forms.get(task.form or "", {})
        answers = data.get(task.collection or task.data_key)
        answers = [a for a in (answers if isinstance(answers, list) else [answers]) if isinstance(a, dict)]
        outcome = form_meaning.first_with_role(form, "outcome")
        prop = form_meaning.props(form).get(outcome, {})
        for option in prop.get("enum", []):
            views.setdefault(str(form_meaning.display(prop, option)), 0)
        for answer in answers:
            if outcome and answer.get(outcome) is None:  # closed without an answer: deadline, early close, left
                silent += 1
                continue
            responses += 1
            if outcome:
                label = str(form_meaning.display(prop, answer[outcome]))
                views[label] = views.get(label, 0) + 1
            comments += [answer[n].strip() for n in form_meaning.with_role(form, "comments")
                         if isinstance(answer.get(n), str) and answer[n].strip()]
            conditions += [answer[n].strip() for n in form_meaning.with_role(form, "conditions")
                           if isinstance(answer.get(n), str) and answer[n].strip()]
    liaison = []
    for task in dmap.of_step("patient_consultation"):
        form, answers = bundle.forms.get(task.form or "", {}), data.get(task.data_key)
        if isinstance(answers, dict):
            liaison += [Detail(form_meaning.label(form, name), form_meaning.display(prop, answers[name]))
                        for name, prop in form_meaning.props(form).items() if answers.get(name) not in (None, "")]
    if not responses and not silent and not liaison:
        return None
    return Consultation(responses, [Count(label, count) for label, count in views.items()], sorted(comments), liaison,
                        silent, sorted(conditions))


def warning_signs(bundle: ProcessBundle, dmap: DiagramMap, data: dict) -> list[justifications.WarningSign]:
    """The warning signs the diagram worked out, each with the manager's justification for it."""
    signs = justifications.found(dmap, data)
    for task in dmap.tasks.values():
        form = bundle.forms.get(task.form or "", {})
        if justifications.fields(form) or form_meaning.with_role(form, "justification"):
            return justifications.justified(form, data.get(task.data_key), signs)
    return justifications.justified({}, {}, signs)


def _written(bundle: ProcessBundle, dmap: DiagramMap, data: dict, role: str) -> str | None:
    """The current text of the first field with ``role`` in any task's stored answers."""
    for task in dmap.tasks.values():
        answers = data.get(task.data_key)
        for name in form_meaning.with_role(bundle.forms.get(task.form or "", {}), role):
            if isinstance(answers, dict) and isinstance(answers.get(name), str) and answers[name].strip():
                return answers[name]
    return None
