"""A policy's status, derived from its workflow after every save."""
from __future__ import annotations

from enum import StrEnum


class PolicyStatus(StrEnum):
    IN_PROGRESS = "in_progress"      # not yet published: drafting, consulting, signing off
    PUBLISHED = "published"          # publicly readable, waiting for its review date
    UNDER_REVIEW = "under_review"    # published, and a review cycle is open
    COMPLETED = "completed"          # the workflow has ended


LABELS = {
    PolicyStatus.IN_PROGRESS: "In progress",
    PolicyStatus.PUBLISHED: "Published",
    PolicyStatus.UNDER_REVIEW: "Published, under review",
    PolicyStatus.COMPLETED: "Completed",
}


def policy_status(workflow_completed: bool, has_ready_tasks: bool, ever_published: bool) -> PolicyStatus:
    if workflow_completed:
        return PolicyStatus.COMPLETED
    if not ever_published:
        return PolicyStatus.IN_PROGRESS
    return PolicyStatus.UNDER_REVIEW if has_ready_tasks else PolicyStatus.PUBLISHED
