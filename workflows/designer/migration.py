"""Moving running policies to another version of their process, one at a time or all that can.

Like a completion: read the policy, run the move in the sandbox (it loads the stored
state against the old version's spec and points it at the new one), then write the
new state, the policy's version and its task index in one transaction guarded by the
policy's save counter, starting again if someone saved in between. Refused (409,
nothing changed) when the policy could not go on there: it waits at elements the
target version lacks (by id), the code ahead reads variables its data does not have,
or the usual answers from where it is would stop at an error; the message names what
is missing (``state_migration.py``). Data keys may be renamed as part of the move
(``rename``); ``proposals`` offers the renames two versions suggest. Every move is
audited with both version numbers and the renames.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from workflows.engine.reads_ahead import proposed_renames
from workflows.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound, PolicyflowError
from workflows.people.accounts import Actor
from workflows.policies.commands import StaleSave, index_ready_tasks, retried
from workflows.storage import audit
from workflows.storage.schema import HumanTask, Policy, ProcessVersion, WorkflowState

MIGRATING_ROLES = ("process_designer", "admin")
MAX_RENAMES = 100


def checked_renames(rename) -> dict[str, str]:
    """``rename`` as {old key: new key}, or InvalidInput saying what is wrong with it."""
    if rename is None:
        return {}
    if not isinstance(rename, dict) or len(rename) > MAX_RENAMES:
        raise InvalidInput([FieldError("rename", f"Give at most {MAX_RENAMES} data keys to rename, as "
                                                 "{old key: new key}.")])
    for old, new in rename.items():
        if not (isinstance(old, str) and isinstance(new, str) and old.isidentifier() and new.isidentifier()) \
                or old == new:
            raise InvalidInput([FieldError("rename", f"'{str(old)[:80]}' → '{str(new)[:80]}' is not a rename of one "
                                                     "variable name to another.")])
    if len(set(rename.values())) < len(rename):
        raise InvalidInput([FieldError("rename", "Two data keys cannot be renamed to the same name.")])
    return dict(rename)


@dataclass(frozen=True)
class MigrationResult:
    policy_id: int
    title: str
    migrated: bool
    message: str


def may_migrate(actor: Actor) -> None:
    if not set(MIGRATING_ROLES) & set(actor.roles):
        raise Forbidden("Only process designers and admins can move policies to another version.")


class PolicyMigrations:
    def __init__(self, database, sandbox, registry, clock):
        self._db, self._sandbox, self._registry, self._clock = database, sandbox, registry, clock

    def migrate(self, actor: Actor, policy_id: int, number: int, rename: dict | None = None) -> int:
        """Move one policy to version ``number`` of its process, renaming data keys by ``rename``; its id."""
        may_migrate(actor)
        rename = checked_renames(rename)

        def attempt() -> int:
            with self._db.reading() as session:
                policy = session.get(Policy, policy_id)
                if policy is None:
                    raise NotFound(f"Policy {policy_id} does not exist.")
                current = session.get(ProcessVersion, policy.process_version_id)
                target = session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == current.process_id,
                                                                     ProcessVersion.version == number))
                if target is None:
                    raise NotFound(f"The process '{current.process_id}' has no version {number}.")
                if target.id == current.id:
                    raise Conflict(f"Policy {policy_id} already runs on version {number}.")
                state = session.scalar(select(WorkflowState.state).where(WorkflowState.policy_id == policy_id))
                before = set(session.scalars(select(HumanTask.id).where(HumanTask.policy_id == policy_id,
                                                                        HumanTask.state == "ready")))
            now = self._clock()
            old, new = self._registry.bundle(current.id), self._registry.bundle(target.id)
            result = self._sandbox.run("migrate", new.content_hash, lambda files=new.files: files, state=state,
                                       from_files=old.files, now=now, rename=rename)
            with self._db.transaction() as session:
                saved = session.execute(
                    update(Policy).where(Policy.id == policy_id, Policy.version == policy.version)
                    .values(version=policy.version + 1, process_version_id=target.id, next_timer_at=result.next_timer,
                            updated_at=now).execution_options(synchronize_session=False))
                if saved.rowcount != 1:
                    raise StaleSave("Someone else changed this policy at the same moment.")
                session.execute(update(WorkflowState).where(WorkflowState.policy_id == policy_id)
                                .values(state=result.state, data=result.data)
                                .execution_options(synchronize_session=False))
                _reindex(session, policy, before, result, now)
                audit.record(session, at=now, actor=actor.username, action="policy_migrated", policy_id=policy_id,
                             data={"from_version": current.version, "to_version": target.version,
                                   "process_id": current.process_id, "rename": rename}, process_version_id=target.id)
            return policy_id

        return retried(attempt, "This policy is being changed by several people at once; it was not moved. Try again.")

    def running(self, process_id: str) -> list[dict]:
        """The process's policies with the version each runs on, oldest first."""
        with self._db.reading() as session:
            rows = session.execute(select(Policy.id, Policy.title, Policy.status, ProcessVersion.version)
                                   .join(ProcessVersion, Policy.process_version_id == ProcessVersion.id)
                                   .where(ProcessVersion.process_id == process_id).order_by(Policy.id)).all()
        return [{"id": r.id, "title": r.title, "status": str(r.status), "version": r.version} for r in rows]

    def proposals(self, process_id: str, to_number: int) -> dict[int, dict[str, str]]:
        """{version: the data key renames moving from it to version ``to_number`` most likely needs}."""
        versions = {v.version: v for v in self._registry.versions(process_id)}
        if to_number not in versions:
            return {}
        target = self._registry.version(process_id, to_number).files
        return {number: proposed_renames(self._registry.version(process_id, number).files, target)
                for number in versions if number != to_number}

    def migrate_all(self, actor: Actor, process_id: str, number: int,
                    rename: dict | None = None) -> list[MigrationResult]:
        """Move every policy on another version of the process to ``number``: a result per policy."""
        may_migrate(actor)
        rename = checked_renames(rename)
        with self._db.reading() as session:
            target = session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_id == process_id,
                                                                    ProcessVersion.version == number))
            if target is None:
                raise NotFound(f"The process '{process_id}' has no version {number}.")
            rows = session.execute(select(Policy.id, Policy.title).join(ProcessVersion,
                                                                        Policy.process_version_id == ProcessVersion.id)
                                   .where(ProcessVersion.process_id == process_id, ProcessVersion.id != target)
                                   .order_by(Policy.id)).all()
        results = []
        for policy_id, title in rows:
            try:
                self.migrate(actor, policy_id, number, rename)
                results.append(MigrationResult(policy_id, title, True, f"moved to version {number}"))
            except PolicyflowError as refused:  # refused, or its steps failed on the new version: the rest still move
                results.append(MigrationResult(policy_id, title, False, refused.message))
        return results


def _reindex(session, policy: Policy, before: set[str], result, now) -> None:
    """Keep the task index in step: tasks kept take the new version's names and forms."""
    after = {task.id: task for task in result.ready}
    for task_id in before & set(after):
        task = after[task_id]
        session.execute(update(HumanTask).where(HumanTask.id == task_id).values(
            element_id=task.element_id, title=task.title, lane=task.lane, lifecycle_step=task.lifecycle_step,
            assignee=task.assignee, form=task.form, data_key=task.data_key, instructions=task.instructions,
            prefill=task.values).execution_options(synchronize_session=False))
    index_ready_tasks(session, policy, before, result.ready, now)
