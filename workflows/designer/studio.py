"""The studio's services, as the pages and the API call them.

Designing is for the ``process_designer`` role; moving running policies also for
``admin``. Deploying takes a note and only files that pass ``deploy.check`` (the
loader's checks, the conformance guard and the dry run), through the same
``ProcessRegistry.deploy`` the CLI uses.
"""
from __future__ import annotations

from workflows.designer import deploy, importing, quick_fixes
from workflows.designer.bundle_files import split_files
from workflows.designer.drafts import Drafts
from workflows.designer.migration import PolicyMigrations
from workflows.designer.version_diff import VersionDiff, version_diff
from workflows.engine.processes import ProcessRegistry, VersionSummary
from workflows.engine.specs import content_hash
from workflows.errors import DiagramError, FieldError, Forbidden, InvalidInput
from workflows.people.accounts import Actor
from workflows.storage.schema import ProcessVersion

DESIGNER_ROLE = "process_designer"
MAX_NOTE = 2000


def _unchanged(version: ProcessVersion) -> DiagramError:
    return DiagramError.single("(bundle)", f"these files are the same as version {version.version}, the latest; "
                                           "nothing was deployed")


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
        same = self._latest_with_same_files(files)
        if same is not None:  # found by hash, before anything is parsed or run
            raise _unchanged(same)
        report = deploy.check(files, self._sandbox, self._clock())
        if not report.ok:
            raise DiagramError(report.errors)
        version, new = self._registry.deploy(report.bundle, actor.username, note)
        if not new:
            raise _unchanged(version)
        return version

    def deploy_draft(self, actor: Actor, draft_id: int, note: str) -> ProcessVersion:
        """Deploy a draft's files; the draft then leaves the drafts in progress, "deployed as version N"."""
        version = self.deploy(actor, self.drafts.get(draft_id).files, note)
        self.drafts.deployed(draft_id, version.version, note)
        return version

    def _latest_with_same_files(self, files: dict) -> ProcessVersion | None:
        """The latest version of a process whose files are exactly ``files`` (by content hash)."""
        try:
            diagrams, forms = split_files(files)
            texts = {name: data.decode("utf-8") for name, data in {**diagrams, **forms}.items()}
        except (DiagramError, UnicodeDecodeError):
            return None  # the check says what is wrong with them
        digest = content_hash(texts)
        return next((version for version in self._registry.latest_versions() if version.content_hash == digest), None)

    def import_draft(self, actor: Actor, files: dict, title: str | None = None) -> tuple[int, list[importing.Todo]]:
        """A draft of diagrams made elsewhere, with its to-do list; DiagramError (located) for what cannot be read."""
        may_design(actor)
        files = importing.import_files(files)
        diagram = next(name for name in sorted(files) if name.endswith(".bpmn"))
        title = (title or "").strip() or f"Imported {diagram}"
        draft_id = self.drafts.create(actor.username, importing.first_process_id(files), title, files, None)
        return draft_id, importing.todo_list(files)

    def todos(self, actor: Actor, draft_id: int) -> list[importing.Todo]:
        may_design(actor)
        return importing.todo_list(self.drafts.get(draft_id).files)

    def apply_todo(self, actor: Actor, draft_id: int, element: str, fix: str,
                   choice: str | None = None) -> list[importing.Todo]:
        """Apply the fix one of the draft's to-dos offers (with one of its choices); the to-dos left."""
        may_design(actor)
        draft = self.drafts.get(draft_id)
        todo = next((t for t in importing.todo_list(draft.files) if t.element == element and t.fix == fix), None)
        if todo is None:
            raise InvalidInput([FieldError("element", f"The draft has no to-do '{fix}' for '{element}' (it may be "
                                                      "done already).")])
        if choice is None and len(todo.choices) == 1:
            choice = todo.choices[0]
        if fix != "form" and todo.choices and choice not in todo.choices:
            raise InvalidInput([FieldError("choice", f"Choose one of: {', '.join(todo.choices)}.")])
        files = quick_fixes.apply(draft.files, todo.file, fix, element, choice)
        self.drafts.save(draft_id, actor.username, files, draft.revision)
        return importing.todo_list(files)

    def versions(self, process_id: str) -> list[VersionSummary]:
        return self._registry.versions(process_id)

    def version(self, process_id: str, number: int) -> ProcessVersion:
        return self._registry.version(process_id, number)

    def diff(self, process_id: str, old: int, new: int) -> VersionDiff:
        return version_diff(self._registry.version(process_id, old).files, self._registry.version(process_id, new).files)

    def processes(self) -> list[ProcessVersion]:
        return self._registry.latest_versions()
