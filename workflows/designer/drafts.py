"""Drafts: a designer's work in progress, saved on the server while editing.

A closed tab loses nothing; several drafts may exist side by side; a draft is not a
version until it is deployed. Each save carries the revision it was based on, so two
tabs editing one draft cannot silently overwrite each other's work.
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import undefer

from workflows.engine.specs import MAX_BUNDLE_BYTES, MAX_FILES
from workflows.errors import Conflict, FieldError, InvalidInput, NotFound
from workflows.storage.database import Database
from workflows.storage.schema import ProcessDraft

MAX_TITLE = 200


def _checked_files(files) -> dict[str, str]:
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise InvalidInput([FieldError("files", "Files are sent as {name: text}.")])
    if len(files) > MAX_FILES:
        raise InvalidInput([FieldError("files", f"A draft may hold at most {MAX_FILES} files.")])
    if sum(len(k) + len(v.encode("utf-8", "surrogatepass")) for k, v in files.items()) > MAX_BUNDLE_BYTES:
        raise InvalidInput([FieldError("files", f"A draft may be at most {MAX_BUNDLE_BYTES // 1024 // 1024} MiB.")])
    if any("\x00" in k + v for k, v in files.items()):
        raise InvalidInput([FieldError("files", "A file holds a NUL character, which no diagram or form may hold.")])
    return dict(files)


class Drafts:
    def __init__(self, database: Database, clock):
        self._db, self._clock = database, clock

    def create(self, actor: str, process_id: str, title: str, files: dict, base_version: int | None) -> int:
        title = (title or "").strip()[:MAX_TITLE] or "Untitled draft"
        now = self._clock()
        with self._db.transaction() as session:
            draft = ProcessDraft(process_id=process_id[:200], title=title, base_version=base_version,
                                 files=_checked_files(files), created_by=actor, created_at=now, updated_by=actor,
                                 updated_at=now, revision=1)
            session.add(draft)
            session.flush()
            return draft.id

    def get(self, draft_id: int) -> ProcessDraft:
        with self._db.reading() as session:
            draft = session.scalar(select(ProcessDraft).options(undefer(ProcessDraft.files))
                                   .where(ProcessDraft.id == draft_id))
        if draft is None:
            raise NotFound(f"Draft {draft_id} does not exist (it may have been deleted).")
        return draft

    def listed(self) -> list[ProcessDraft]:
        with self._db.reading() as session:
            return list(session.scalars(select(ProcessDraft).order_by(ProcessDraft.updated_at.desc())))

    def save(self, draft_id: int, actor: str, files: dict, revision: int | None, title: str | None = None) -> int:
        """Store new files for the draft; the new revision. Conflict if someone saved since ``revision``."""
        values = {"files": _checked_files(files), "updated_by": actor, "updated_at": self._clock(),
                  "revision": ProcessDraft.revision + 1}
        if title is not None and title.strip():
            values["title"] = title.strip()[:MAX_TITLE]
        query = update(ProcessDraft).where(ProcessDraft.id == draft_id)
        if revision is not None:
            query = query.where(ProcessDraft.revision == revision)
        with self._db.transaction() as session:
            saved = session.execute(query.values(**values).execution_options(synchronize_session=False))
            if saved.rowcount != 1:
                current = session.get(ProcessDraft, draft_id)
                if current is None:
                    raise NotFound(f"Draft {draft_id} does not exist (it may have been deleted).")
                raise Conflict(f"This draft was saved by {current.updated_by} since you opened it; reload it to see "
                               "their changes (yours were not saved).")
            return session.scalar(select(ProcessDraft.revision).where(ProcessDraft.id == draft_id))

    def deployed(self, draft_id: int, version: int, note: str) -> None:
        """Mark the draft deployed as ``version``; a title that only named its starting point now says what changed."""
        with self._db.transaction() as session:
            draft = session.get(ProcessDraft, draft_id)
            if draft is None:
                raise NotFound(f"Draft {draft_id} does not exist (it may have been deleted).")
            draft.deployed_version = version
            if draft.title.endswith(f"changes to version {draft.base_version}") or draft.title == "Untitled draft":
                draft.title = note.strip().splitlines()[0][:MAX_TITLE]

    def delete(self, draft_id: int) -> None:
        with self._db.transaction() as session:
            draft = session.get(ProcessDraft, draft_id)
            if draft is None:
                raise NotFound(f"Draft {draft_id} does not exist.")
            session.delete(draft)

