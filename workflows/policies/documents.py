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
"""
from __future__ import annotations

from workflows.forms import meaning as form_meaning
from workflows.policies.decisions import Decision

FORMAT = 2
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
    ("staff_preferences", "Staff who prefer not to be filmed",
     ("Every member of staff was asked individually whether they are willing to be filmed or recorded, "
      "and their wishes are respected.",)),
    ("without_permission", "If recording starts without permission", ()),
    ("why", "Why we ask this",
     ("Staff need to concentrate fully while they carry out and interpret an examination; being filmed can "
      "distract them at the moment they need it least.",
      "Recording can make an examination take longer, for you and for the patients waiting after you.",)),
    ("where", "Where this policy applies", ()),
    ("contact", "Contact and complaints", ()),
)


def compose(form: dict, draft: dict, *, staff_consulted: int, liaison_consulted: bool,
            cycle: list[Decision], previous: dict | None) -> dict:
    """The stored content of a published version.

    ``cycle``: the decisions taken since the previous version was published (its
    approvals and reviews say what really happened for this version); ``previous``:
    the previous version's content, whose sign-off is carried over by name when this
    version was republished after a review without a new sign-off.
    """
    sections = []
    for section_id, heading, intro in SECTIONS:
        blocks = _blocks(form, draft, section_id)
        if section_id == "staff_preferences":
            # What staff said is only claimed when they were asked, and counted only in a team large enough.
            intro = () if not staff_consulted else intro if staff_consulted < MIN_STAFF_COUNT else (
                f"{staff_consulted} members of staff were asked individually whether they are willing to be "
                "filmed or recorded, and their wishes are respected.",)
        if blocks or intro:
            sections.append({"id": section_id, "heading": heading, "intro": list(intro), "blocks": blocks})
    approvals = _approvals(cycle)
    reviews = [_decision(d) for d in cycle if d.lifecycle_step == "review"]
    carried = None
    if not approvals and previous:
        carried = previous.get("approvals") or (previous.get("carried_approvals") or {}).get("approvals")
        carried = {"version": previous.get("number"), "approvals": carried or []} if carried else None
    return {
        "format": FORMAT,
        "organisation": _text(draft.get(form_meaning.first_with_role(form, "organisation") or "")),
        "owner": _text(draft.get(form_meaning.first_with_role(form, "owner") or "")),
        "sections": sections,
        "consultation": {"staff_consulted": staff_consulted if staff_consulted >= MIN_STAFF_COUNT else None,
                         "staff_asked": staff_consulted > 0, "patient_liaison_consulted": liaison_consulted},
        "approvals": approvals,
        "reviews": reviews,
        "carried_approvals": carried,
    }


def _blocks(form: dict, draft: dict, section_id: str) -> list[dict]:
    blocks = []
    for name, prop in form_meaning.props(form).items():
        value = draft.get(name)
        if (prop.get("x-publicSection") != section_id or value in (None, "", [])
                or not form_meaning.applies(form, name, draft)):
            continue
        shown = form_meaning.display(prop, value)
        blocks.append({"label": prop.get("x-publicLabel"),
                       "text": shown if isinstance(shown, str) else None,
                       "points": shown if isinstance(shown, list) else None})
    return blocks


def _approvals(cycle: list[Decision]) -> list[dict]:
    """The last decision of each sign-off step in the cycle, when it approved."""
    last: dict[str, Decision] = {}
    for decision in cycle:
        if decision.lifecycle_step != "review":
            last[decision.lifecycle_step] = decision
    return [_decision(d) for d in last.values() if d.approved]


def _decision(decision: Decision) -> dict:
    return {"title": decision.title, "lane": decision.lane, "date": decision.at.date().isoformat(),
            "outcome": decision.outcome}


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""
