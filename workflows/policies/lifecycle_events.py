"""What a manager (or the department) tells a running policy: close the consultation early,
suspend, resume or withdraw it, and ask a newly joined member of staff to acknowledge it.

Each is a message or signal the diagram catches (see the README's diagram
contract), sent with the same optimistic, audited save as a completion.
"""
from __future__ import annotations

from sqlalchemy import exists, select

from workflows.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from workflows.people.accounts import Actor
from workflows.policies.commands import PolicyCommands, manages, may_see
from workflows.policies.status import PolicyStatus
from workflows.storage.database import Database
from workflows.storage.schema import HumanTask, Policy, PublishedVersion, User

CONSULTATION_CLOSED = "consultation_closed"
POLICY_SUSPENDED, POLICY_RESUMED, POLICY_WITHDRAWN = "policy_suspended", "policy_resumed", "policy_withdrawn"
ACKNOWLEDGEMENT_REQUESTED = "acknowledgement_requested"
MAX_REASON = 2000


def _reason(text, required: bool = True) -> str:
    reason = (text or "").strip() if isinstance(text, str) or text is None else None
    if reason is None:
        raise InvalidInput([FieldError("reason", "The reason must be text.")])
    if required and not reason:
        raise InvalidInput([FieldError("reason", "Give a reason; it is shown on the public page.")])
    if len(reason) > MAX_REASON:
        raise InvalidInput([FieldError("reason", f"The reason must be at most {MAX_REASON} characters long.")])
    return reason


class LifecycleEvents:
    def __init__(self, database: Database, commands: PolicyCommands):
        self._db, self._commands = database, commands

    def _managed(self, actor: Actor, what: str, policy_id: int | None = None):
        """A check that the actor manages the policy; with ``policy_id``, also made now, so that
        someone who may not act is told so before anything about their input."""
        def check(policy: Policy) -> None:
            if not may_see(actor, policy):
                raise NotFound(f"Policy {policy.id} does not exist.")
            if not manages(actor, policy):
                raise Forbidden(f"Only a manager of {policy.department.name} can {what}.")
        if policy_id is not None:
            with self._db.reading() as session:
                policy = session.get(Policy, policy_id)
                if policy is None:
                    raise NotFound(f"Policy {policy_id} does not exist.")
                check(policy)
        return check

    def close_consultation(self, actor: Actor, policy_id: int) -> int:
        """Close the staff consultation now: who has not answered is recorded as not answering."""
        managed = self._managed(actor, "close its consultation")

        def check(policy: Policy) -> None:
            managed(policy)
            with self._db.reading() as session:
                open_ = session.scalar(select(exists().where(HumanTask.policy_id == policy.id, HumanTask.state == "ready",
                                                             HumanTask.lifecycle_step == "staff_consultation")))
            if not open_:
                raise Conflict("No staff consultation is open on this policy; nothing was changed.")
        return self._commands.advance(actor.username, policy_id, "send_event", action="consultation_closed",
                                      check=check, name=CONSULTATION_CLOSED, payload=None)

    def suspend(self, actor: Actor, policy_id: int, reason: str) -> int:
        """Suspend the published policy until it is resumed or a new version replaces it."""
        managed = self._managed(actor, "suspend it", policy_id)
        reason = _reason(reason)

        def check(policy: Policy) -> None:
            managed(policy)
            if policy.withdrawn_at is not None:
                raise Conflict("This policy was withdrawn; it cannot be suspended.")
            if policy.suspended_at is not None:
                raise Conflict("This policy is already suspended.")
            self._require_published(policy)
        return self._commands.advance(actor.username, policy_id, "send_event", action="policy_suspended",
                                      data={"reason": reason}, check=check,
                                      changes=lambda policy, now: {"suspended_at": now, "suspension_reason": reason},
                                      name=POLICY_SUSPENDED, payload={"reason": reason})

    def resume(self, actor: Actor, policy_id: int, reason: str | None = None) -> int:
        """End a suspension: the published policy is in force again."""
        managed = self._managed(actor, "resume it", policy_id)
        reason = _reason(reason, required=False)

        def check(policy: Policy) -> None:
            managed(policy)
            if policy.suspended_at is None:
                raise Conflict("This policy is not suspended; nothing was changed.")

        def changes(policy: Policy, now) -> dict:
            return {"suspended_at": None, "suspension_reason": None}
        return self._commands.advance(actor.username, policy_id, "send_event", action="policy_resumed",
                                      data={"reason": reason or None}, check=check, changes=changes,
                                      name=POLICY_RESUMED, payload={"reason": reason})

    def withdraw(self, actor: Actor, policy_id: int, reason: str) -> int:
        """Withdraw the published policy for good: open tasks close and the lifecycle ends."""
        managed = self._managed(actor, "withdraw it", policy_id)
        reason = _reason(reason)

        def check(policy: Policy) -> None:
            managed(policy)
            if policy.withdrawn_at is not None:
                raise Conflict("This policy was already withdrawn.")
            self._require_published(policy)
        return self._commands.advance(actor.username, policy_id, "send_event", action="policy_withdrawn",
                                      data={"reason": reason}, check=check,
                                      changes=lambda policy, now: {"withdrawn_at": now, "withdrawal_reason": reason,
                                                                   "suspended_at": None, "suspension_reason": None},
                                      name=POLICY_WITHDRAWN, payload={"reason": reason})

    def welcome_staff(self, username: str, actor: str) -> list[int]:
        """Ask a member of staff who joined a department to acknowledge its published policies;
        the ids of the policies that asked."""
        with self._db.reading() as session:
            user = session.scalar(select(User).where(User.username == username))
            if user is None or user.department_id is None or "staff" not in user.roles or not user.active:
                return []
            policy_ids = list(session.scalars(select(Policy.id).where(
                Policy.department_id == user.department_id,
                Policy.status.in_([PolicyStatus.PUBLISHED, PolicyStatus.UNDER_REVIEW, PolicyStatus.SUSPENDED]),
                exists().where(PublishedVersion.policy_id == Policy.id))))
        asked = []
        for policy_id in policy_ids:
            try:
                self._commands.advance(actor, policy_id, "send_event", action="acknowledgement_requested",
                                       data={"staff_member": username}, name=ACKNOWLEDGEMENT_REQUESTED,
                                       payload=username)
            except Conflict:
                continue  # this policy's diagram asks nobody to acknowledge
            asked.append(policy_id)
        return asked

    def _require_published(self, policy: Policy) -> None:
        with self._db.reading() as session:
            published = session.scalar(select(exists().where(PublishedVersion.policy_id == policy.id)))
        if not published:
            raise Conflict("This policy has not been published yet; only a published policy can be "
                           "suspended or withdrawn.")
