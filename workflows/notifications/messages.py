"""What each message says: what to do, by when, and the link to do it.

Only titles, dates, counts and links go into mail, never anybody's answers: a
consultation answer must never travel with a name (mail is kept in mailboxes
and forwarded), so even the manager's mail about a closed consultation carries
counts and a link to the page, where the app decides what they may see.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

LANE_WORDS = {"manager": "managers", "staff": "members of staff", "patient_liaison": "patient liaison leads",
              "employer": "employer's risk managers", "insurer": "insurer's representatives",
              "equality_lead": "equality leads", "information_governance": "information governance leads",
              "committee": "members of the ratifying committee"}
SIGNOFF_WORDS = {"employer_signoff": "employer", "insurer_signoff": "insurer"}
CONSULTATION_WORDS = {"staff_consultation": "staff consultation", "patient_consultation": "patient liaison consultation"}


@dataclass(frozen=True)
class Mail:
    kind: str
    subject: str
    body: str


def day(moment: datetime) -> str:
    return moment.strftime("%d %b %Y")


def _footer(base: str) -> str:
    return (f"\n\n--\npolicyflow · choose whether to get mail at once or in one daily digest: {base}/settings\n")


def new_task(base: str, name: str, task, policy_title: str, department: str, shared: bool) -> Mail:
    due = f"\nPlease do it by {day(task.due_at)}." if task.due_at else ""
    if task.lifecycle_step == "acknowledgement":
        lead = (f"{department} has published its policy “{policy_title}”. "
                "Please read it and confirm that you have read and understood it.")
        subject = f"Please read and acknowledge: {policy_title}"
    else:
        lead = f"“{task.title}” is waiting for you, for the policy “{policy_title}” ({department})."
        subject = f"Task for you: {task.title} – {policy_title}"
    why = (f"You get this as one of the {LANE_WORDS.get(task.lane, task.lane)} who can do it; "
           "the first of you to open it can claim it." if shared else "This task is yours alone.")
    body = f"Hello {name},\n\n{lead}{due}\n\nOpen the task: {base}/tasks/{task.id}\n\n{why}{_footer(base)}"
    return Mail("task", subject, body)


def reminder(base: str, name: str, task_id: str, title: str, policy_title: str, due_at: datetime | None,
             stage: str) -> Mail:
    """``stage``: "due_soon", "overdue" or "manual" (the manager asked)."""
    when = day(due_at) if due_at else None
    if stage == "overdue":
        subject, lead = f"Overdue: {title} – {policy_title}", f"“{title}” for the policy “{policy_title}” was due on {when}."
    elif stage == "due_soon":
        subject, lead = f"Due on {when}: {title} – {policy_title}", f"“{title}” for the policy “{policy_title}” is due on {when}."
    else:
        subject = f"Reminder: {title} – {policy_title}"
        lead = f"Your manager reminds you that “{title}” for the policy “{policy_title}” is waiting for you" + (
            f" (due on {when})." if when else ".")
    body = f"Hello {name},\n\n{lead}\n\nOpen the task: {base}/tasks/{task_id}{_footer(base)}"
    return Mail(f"reminder_{stage}", subject, body)


def consultation_closed(base: str, name: str, step: str, policy_id: int, policy_title: str, counts: dict) -> Mail:
    what = CONSULTATION_WORDS.get(step, step.replace("_", " "))
    if step == "staff_consultation":
        answered, missing = counts.get("staff_responses", 0), counts.get("no_response", 0)
        tally = f" {answered} answered" + (f"; {missing} did not answer before it closed." if missing else ".")
    else:
        tally = ""
    body = (f"Hello {name},\n\nThe {what} on “{policy_title}” has closed.{tally}\n\n"
            f"Open the policy: {base}/policies/{policy_id}{_footer(base)}")
    return Mail("consultation_closed", f"The {what} has closed – {policy_title}", body)


def signoff_returned(base: str, name: str, step: str, by: str, policy_id: int, policy_title: str) -> Mail:
    who = SIGNOFF_WORDS.get(step, step.replace("_", " "))
    body = (f"Hello {name},\n\nThe {who} sign-off on “{policy_title}” has come back from {by}. "
            f"See the decision and what happens next: {base}/policies/{policy_id}{_footer(base)}")
    return Mail("signoff_returned", f"The {who} sign-off has come back – {policy_title}", body)


def briefing_requested(base: str, name: str, who: str, policy_id: int, policy_title: str) -> Mail:
    body = (f"Hello {name},\n\n{who} has asked for a briefing on the published policy “{policy_title}” before "
            f"acknowledging it. Their task to acknowledge stays open until they confirm they have read and "
            f"understood it. See who has acknowledged: {base}/policies/{policy_id}/acknowledgements{_footer(base)}")
    return Mail("briefing_requested", f"{who} needs a briefing – {policy_title}", body)


def digest(base: str, name: str, items: list[tuple[str, str]]) -> Mail:
    """One daily message with the subject and text of each item since the last digest."""
    parts = [f"Hello {name},\n\nHere is what policyflow had for you since your last digest ({len(items)} "
             f"{'item' if len(items) == 1 else 'items'}):"]
    for number, (subject, body) in enumerate(items, 1):
        text = body.split("\n\n", 1)[-1].split("\n\n--\n")[0]
        parts.append(f"{number}. {subject}\n{text}")
    return Mail("digest", f"Your policyflow digest: {len(items)} {'item' if len(items) == 1 else 'items'}",
                "\n\n".join(parts) + _footer(base))
