"""What reaches patients before the scan: a poster, a paragraph for appointment letters, a text
message and a line for the booking confirmation.

Each is written from a published version's stored document, never from the draft in
progress, so republishing regenerates them all. The decision is the first field of the
"what you may and may not do" section (the form's own order puts it first), the short
lines come from the summary, and how to ask from its section.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

SMS_LIMIT = 160
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class PatientNotices:
    decision_label: str   # "Recording during your examination"
    decision: str         # "Permitted with conditions"
    lines: tuple[str, ...]  # at most three short lines from the summary
    letter: str
    text_message: str
    booking_line: str


def _section(content: dict, section_id: str) -> list[dict]:
    return next((s.get("blocks") or [] for s in content.get("sections", []) if s.get("id") == section_id), [])


def _sentences(blocks: list[dict]) -> list[str]:
    text = " ".join(b["text"] for b in blocks if b.get("text")) or " ".join(
        point for b in blocks for point in b.get("points") or [])
    return [s.strip() for s in _SENTENCE.split(" ".join(text.split())) if s.strip()]


def _decision(content: dict) -> tuple[str, str]:
    blocks = _section(content, "may_and_may_not")
    first = blocks[0] if blocks else {}
    text = first.get("text") or ", ".join(first.get("points") or []) or "Ask staff before you record"
    return first.get("label") or "Recording during your examination", text


#: What a poster says instead of the decision while the policy does not apply (suspended, withdrawn).
NOT_APPLYING = "Ask staff before you record"


def compose(*, title: str, department: str, content: dict, page_url: str, short_url: str,
            applies: bool = True) -> PatientNotices:
    """The notices of one published version; ``page_url`` and ``short_url`` are where it is read.

    A policy that does not apply now (suspended, withdrawn) must not go on telling patients that
    recording is permitted: its poster asks them to ask staff (its status notice says why), and
    there is no text to send."""
    label, decision = _decision(content)
    if not applies:
        return PatientNotices(label, NOT_APPLYING, (), "", "", "")
    summary = _sentences(_section(content, "summary"))
    lines = tuple(summary[:3])
    ask = _sentences(_section(content, "how_to_ask"))
    organisation = content.get("organisation") or ""
    where = f"{department}{f', {organisation}' if organisation else ''}"
    letter = " ".join(filter(None, [
        f"Taking photographs or recording during your examination ({where}): {decision.lower()}.",
        summary[0] if summary else "",
        ask[0] if ask else "Please ask the member of staff before you record anything.",
        f"You can read our policy, \u201c{title}\u201d, at {page_url}, or ask us for it in another format or language.",
    ]))
    message = _text_message(department, decision, short_url)
    booking = f"{label}: {decision}. Please read our policy before your appointment: {short_url}"
    return PatientNotices(label, decision, lines, letter, message, booking)


def _text_message(department: str, decision: str, short_url: str) -> str:
    """At most ``SMS_LIMIT`` characters, the link always whole: the longest wording that fits."""
    for wording in (f"{department}: recording during your scan is {decision.lower()}. Please ask staff before you "
                    f"record. Our policy: {short_url}",
                    f"Recording during your scan: {decision.lower()}. Ask staff first. Policy: {short_url}",
                    f"Recording at your scan: see {short_url}"):
        if len(wording) <= SMS_LIMIT:
            return wording
    return short_url[:SMS_LIMIT]
