"""What each audit event means, in words: the timeline tells the story of a policy.

A completion says what was decided and why (the form's ``outcome`` and
``comments`` fields), a publication which version went public and from when, a
move to another version of the process which versions and which data keys it renamed.
Answers to anonymous forms (staff views) are never summarised here: the
timeline says someone was consulted, and only managers see who.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from workflows.forms.meaning import day_text
from workflows.policies.decisions import outcome_of


@dataclass(frozen=True)
class Story:
    """One event as the timeline tells it, after the actor's name."""

    text: str
    outcome: str | None = None
    approved: bool = False
    comments: list[str] = field(default_factory=list)

    def sentence(self, actor: str | None) -> str:
        """The whole event as one sentence (``actor`` None: something the system did)."""
        said = "".join(f" “{comment}”" for comment in self.comments)
        text = f"{self.text}{f': {self.outcome}' if self.outcome else ''}{'.' if said else ''}{said}"
        return f"{actor} {text}" if actor else text[:1].upper() + text[1:]


def story(action: str, task_title: str | None, data: dict | None, form: dict | None, anonymous: bool) -> Story:
    """The words for one event (``form``: the completed task's form, when there is one)."""
    data = data if isinstance(data, dict) else {}
    if action == "task_completed":
        if anonymous or form is None:
            return Story(f"completed “{task_title}”")
        outcome, approved, comments = outcome_of(form, data)
        return Story(f"completed “{task_title}”", outcome, approved, comments)
    if action == "policy_published":
        effective = day_text(data.get("effective_date"))
        review = day_text((data.get("review_due") or "")[:10])
        version = f"version {data['version']}" if data.get("version") else "the policy"
        return Story(f"published {version}" + (f", effective {effective}" if effective else "")
                     + (f"; next review {review}" if review else ""))
    if action == "policy_started":
        return Story("started the policy")
    if action == "timer_fired":
        return Story("the review date was reached: the review is open")
    if action == "answers_saved":
        return Story(f"saved answers to “{task_title}” to continue later")
    if action == "policy_migrated":
        return _migration(data)
    return Story(action.replace("_", " "))


def _migration(data: dict) -> Story:
    """A move to another version says from which to which, and which data keys it renamed: a designer
    reading the timeline later learns why the answers now live under other names."""
    rename = data.get("rename") if isinstance(data.get("rename"), dict) else {}
    renamed = ", ".join(f"{old} to {new}" for old, new in rename.items())
    return Story(f"moved the policy from version {data.get('from_version')} to version {data.get('to_version')}"
                 + (f", renaming {renamed}" if renamed else ""))

