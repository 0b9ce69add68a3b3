"""The public policy document: what patients and the people with them read, in their order.

The document is composed when a version is published and stored with it, so a
published version never changes. Its sections come in a fixed order written for
patients; each is filled from the draft fields that name it (``"x-publicSection"``,
with an optional patient-facing ``"x-publicLabel"``). Every field feeds one
section only, so the document cannot say one thing in a field and another in a
free-text statement; a conditional field is left out when it does not apply
(conditions are not printed under "Not permitted"). Nothing else of the draft is
published: no staff procedures, no risk scores, no names; staff numbers only
when at least ``MIN_STAFF_COUNT`` answered, so no answer points at a person.

The questions patients ask (pregnancy scans, intimate examinations, children,
others in the room, their own recording and their data) are sections like the
others: their fields apply only under the draft's rules (an obstetric modality, a
ticked kind of examination), so a section appears only when it applies. A later
step's form may fill a section too (the information-governance review's
data-protection position): its answers then take the place of the draft's there.
Document control (``document_control``) and the easy read summary are stored beside.
"""
from __future__ import annotations

from workflows.forms import meaning as form_meaning
from workflows.policies import document_control
from workflows.policies.decisions import Decision
from workflows.policies.document_control import StepAnswers

FORMAT = 3
MIN_STAFF_COUNT = 5

#: (id, heading, fixed text opening the section) in the order the public reads them.
SECTIONS = (
    ("summary", "Summary", ()),
    ("purpose", "Purpose of this policy", ()),
    ("applies_to", "Who this policy applies to",
     ("This policy applies to you if you are having one of the examinations below, and to anyone with you: "
      "a partner, relative, friend or carer.",)),
    ("may_and_may_not", "What you may and may not do", ()),
    ("how_to_ask", "How to ask", ()),
    ("pregnancy_scans", "If you are having a pregnancy scan", ()),
    ("intimate_examinations", "Intimate examinations", ()),
    ("children", "If your child is having a scan", ()),
    ("others_in_room", "Other people in the room", ()),
    ("staff_preferences", "Staff who prefer not to be filmed",
     ("Every member of staff was asked individually whether they are willing to be filmed or recorded, "
      "and their wishes are respected.",)),
    ("without_permission", "If recording starts without permission", ()),
    ("why", "Why we ask this",
     ("Staff need to concentrate fully while they carry out and interpret an examination; being filmed can "
      "distract them at the moment they need it least.",
      "Recording can make an examination take longer, for you and for the patients waiting after you.",)),
    ("data_protection", "Your recording and your personal data", ()),
    ("where", "Where this policy applies", ()),
    ("contact", "Contact and complaints", ()),
)


def compose(form: dict, draft: dict, *, staff_consulted: int, cycle: list[Decision], previous: dict | None,
            steps: list[StepAnswers] = (), cycle_steps: list[StepAnswers] = (),
            later_sources: list[tuple[dict, dict]] = (), revision_notes: list[str] = ()) -> dict:
    """The stored content of a published version.

    ``cycle``: the sign-off and review decisions since the previous version was
    published; ``steps`` / ``cycle_steps``: every completed governance and
    consultation task of the policy / of this cycle; ``later_sources``: (form,
    answers) of later steps whose fields fill public sections; ``revision_notes``:
    the notes of this cycle's revisions, the summary of its changes; ``previous``:
    the previous version's content (with its ``number``), whose sign-off and
    consultation are carried over when this version was reviewed without change.
    """
    later = {prop.get("x-publicSection") for source_form, _answers in later_sources
             for prop in form_meaning.props(source_form).values() if prop.get("x-publicSection")}
    sections = []
    for section_id, heading, intro in SECTIONS:
        blocks = ([b for source_form, answers in later_sources for b in _blocks(source_form, answers, section_id)]
                  if section_id in later else [])
        blocks = blocks or _blocks(form, draft, section_id)
        if section_id == "staff_preferences":
            # What staff said is only claimed when they were asked, and counted only in a team large enough.
            intro = () if not staff_consulted else intro if staff_consulted < MIN_STAFF_COUNT else (
                f"{staff_consulted} members of staff were asked individually whether they are willing to be "
                "filmed or recorded, and their wishes are respected.",)
        if blocks or intro:
            sections.append({"id": section_id, "heading": heading, "intro": list(intro), "blocks": blocks})
    approvals = _approvals(cycle)
    signed_off = bool(approvals) or not previous
    carried = None
    if not approvals and previous:
        if previous.get("approvals"):
            carried = {"version": document_control.label_of(previous, previous.get("number")),
                       "approvals": previous["approvals"]}
        else:
            carried = previous.get("carried_approvals")
    label = document_control.version_label(
        document_control.label_of(previous, previous["number"]) if previous else None, signed_off)
    reviews = [d.at.date().isoformat() for d in cycle if d.lifecycle_step == "review"]
    consulted = document_control.consultation(list(cycle_steps), staff_consulted, MIN_STAFF_COUNT)
    governed = document_control.governance(list(steps), list(cycle_steps))
    if not signed_off:  # reviewed without change: the version rests on the last consultation and approval
        consulted = previous.get("consultation") or consulted
        if carried and not governed["ratification"]:
            carried = {**carried, "ratification": previous.get("ratification")
                       or (previous.get("carried_approvals") or {}).get("ratification")}
    return {
        "format": FORMAT,
        "version_label": label,
        "organisation": _text(draft.get(form_meaning.first_with_role(form, "organisation") or "")),
        "owner": _text(draft.get(form_meaning.first_with_role(form, "owner") or "")),
        **document_control.from_draft(form, draft),
        **governed,
        "sections": sections,
        "consultation": consulted,
        "approvals": approvals,
        "reviews": [{"date": day} for day in reviews],
        "carried_approvals": carried,
        "changes": _changes(previous, sections, signed_off, reviews, revision_notes),
        "easy_read": _easy_read(form, draft),
    }


def _changes(previous: dict | None, sections: list[dict], signed_off: bool, reviews: list[str],
             notes) -> dict:
    """The summary of this version's changes: the first, reviewed without change, or what was revised."""
    if not previous:
        return {"kind": "first"}
    if not signed_off:
        return {"kind": "unchanged", "reviewed_on": reviews[-1] if reviews else None}
    before = {s.get("id"): s.get("blocks") for s in previous.get("sections", []) if isinstance(s, dict)}
    changed = [s["heading"] for s in sections if before.get(s["id"]) != s["blocks"]]
    changed += [heading for section_id, heading, _intro in SECTIONS
                if section_id in before and section_id not in {s["id"] for s in sections}]
    return {"kind": "revised", "sections": changed, "notes": [n.strip() for n in notes if n and n.strip()]}


def _easy_read(form: dict, draft: dict) -> dict | None:
    """The easy read summary: one short sentence a line, and the description of its picture."""
    text = _text(draft.get(form_meaning.first_with_role(form, "easy-read") or ""))
    sentences = [line.strip() for line in text.splitlines() if line.strip()]
    if not sentences:
        return None
    return {"sentences": sentences,
            "picture": _text(draft.get(form_meaning.first_with_role(form, "easy-read-picture") or "")) or None}


def _blocks(form: dict, draft: dict, section_id: str) -> list[dict]:
    blocks = []
    for name, prop in form_meaning.props(form).items():
        value = draft.get(name)
        if (prop.get("x-publicSection") != section_id or value in (None, "", [])
                or not form_meaning.applies(form, name, draft)):
            continue
        shown = form_meaning.display(prop, value)
        if prop.get("x-publicLink"):  # a web address, published as a link (only http and https)
            if isinstance(shown, str) and shown.startswith(("https://", "http://")):
                blocks.append({"label": prop.get("x-publicLabel"), "text": None, "points": None, "link": shown})
            continue
        blocks.append({"label": prop.get("x-publicLabel"),
                       "text": shown if isinstance(shown, str) else None,
                       "points": shown if isinstance(shown, list) else None})
    return blocks


def _approvals(cycle: list[Decision]) -> list[dict]:
    """The last decision of each sign-off step in the cycle, when it approved (the committee's
    ratification is shown apart, see ``document_control``)."""
    last: dict[str, Decision] = {}
    for decision in cycle:
        if decision.lifecycle_step not in ("review", *document_control.GOVERNANCE_STEPS):
            last[decision.lifecycle_step] = decision
    return [_decision(d) for d in last.values() if d.approved]


def _decision(decision: Decision) -> dict:
    return {"title": decision.title, "lane": decision.lane, "date": decision.at.date().isoformat(),
            "outcome": decision.outcome}


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""
