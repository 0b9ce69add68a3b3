"""The studio's services, as the pages and the API call them.

Designing is for the ``process_designer`` role; moving running policies also for
``admin``. Deploying takes a note and only files that pass ``deploy.check`` (the
loader's checks, the conformance guard and the dry run), through the same
``ProcessRegistry.deploy`` the CLI uses.
"""
from __future__ import annotations

from workflows.designer import deploy
from workflows.designer.drafts import Drafts
from workflows.designer.migration import PolicyMigrations
from workflows.designer.version_diff import VersionDiff, version_diff
from workflows.engine.processes import ProcessRegistry, VersionSummary
from workflows.errors import DiagramError, FieldError, Forbidden, InvalidInput
from workflows.people.accounts import Actor
from workflows.storage.schema import ProcessVersion

DESIGNER_ROLE = "process_designer"
MAX_NOTE = 2000


def may_design(actor: Actor) -> None:
    if DESIGNER_ROLE not in actor.roles:
        raise Forbidden("Only process designers can change the lifecycle diagram.")


class Studio:
    def __init__(self, registry: ProcessRegistry, drafts: Drafts, migrations: PolicyMigrations, dry_run_sandbox,
                 clock, process_id: str):
        self._registry, self.drafts, self.migrations = registry, drafts, migrations
        self._sandbox, self._clock, self.process_id = dry_run_sandbox, clock, process_id

    def check(self, actor: Actor, files: dict) -> deploy.CheckReport:
        may_design(actor)
        return deploy.check(files, self._sandbox, self._clock())

    def deploy(self, actor: Actor, files: dict, note: str) -> ProcessVersion:
        """Deploy checked files as the next version; DiagramError lists every problem."""
        may_design(actor)
        note = (note or "").strip()
        if not note or len(note) > MAX_NOTE:
            raise InvalidInput([FieldError("note", f"Say why you deploy this version (a note of 1 to {MAX_NOTE} "
                                                   "characters); it is kept with the version.")])
        report = deploy.check(files, self._sandbox, self._clock())
        if not report.ok:
            raise DiagramError(report.errors)
        version, new = self._registry.deploy(report.bundle, actor.username, note)
        if not new:
            raise DiagramError.single("(bundle)", f"these files are the same as version {version.version}, the latest; "
                                                  "nothing was deployed")
        return version

    def versions(self, process_id: str) -> list[VersionSummary]:
        return self._registry.versions(process_id)

    def version(self, process_id: str, number: int) -> ProcessVersion:
        return self._registry.version(process_id, number)

    def diff(self, process_id: str, old: int, new: int) -> VersionDiff:
        return version_diff(self._registry.version(process_id, old).files, self._registry.version(process_id, new).files)

    def processes(self) -> list[ProcessVersion]:
        return self._registry.latest_versions()
