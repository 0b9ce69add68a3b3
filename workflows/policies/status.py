"""A policy's status, derived from its workflow and its manager's decisions after every save."""
from __future__ import annotations

from enum import StrEnum


class PolicyStatus(StrEnum):
    IN_PROGRESS = "in_progress"      # not yet published: drafting, consulting, signing off
    PUBLISHED = "published"          # publicly readable, waiting for its review date
    UNDER_REVIEW = "under_review"    # published, and a review cycle is open
    SUSPENDED = "suspended"          # published, but suspended by its manager until resumed or replaced
    WITHDRAWN = "withdrawn"          # withdrawn by its manager; the lifecycle has ended
    COMPLETED = "completed"          # the workflow has ended


LABELS = {
    PolicyStatus.IN_PROGRESS: "In progress",
    PolicyStatus.PUBLISHED: "Published",
    PolicyStatus.UNDER_REVIEW: "Published, under review",
    PolicyStatus.SUSPENDED: "Suspended",
    PolicyStatus.WITHDRAWN: "Withdrawn",
    PolicyStatus.COMPLETED: "Completed",
}

#: Statuses in which a policy's next timer is its review opening: published, waiting for the review
#: (suspended too). Before, the timer is a consultation's deadline, say; during a review, the review's own.
WAITING_FOR_REVIEW = (PolicyStatus.PUBLISHED, PolicyStatus.SUSPENDED)

#: Steps that run beside a published policy without reopening it: staff acknowledging
#: it and the manager reviewing an incident (which may start a review, which does).
BESIDE_PUBLICATION = frozenset({"acknowledgement", "incident_review"})


def policy_status(workflow_completed: bool, ready_steps, ever_published: bool, *,
                  suspended: bool = False, withdrawn: bool = False) -> PolicyStatus:
    """``ready_steps``: the lifecycle steps of the tasks ready now."""
    if withdrawn:
        return PolicyStatus.WITHDRAWN
    if workflow_completed:
        return PolicyStatus.COMPLETED
    if not ever_published:
        return PolicyStatus.IN_PROGRESS
    if suspended:
        return PolicyStatus.SUSPENDED
    reviewing = any(step not in BESIDE_PUBLICATION for step in ready_steps)
    return PolicyStatus.UNDER_REVIEW if reviewing else PolicyStatus.PUBLISHED
