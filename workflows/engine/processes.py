"""Deployed process versions: immutable, content-addressed, parsed once per process.

A deploy stores the files it was given as a new version; new policies start on
the latest version and running ones keep theirs (each workflow also carries its
own copy of the spec). Parsed bundles are cached by version id, which is safe
because a version never changes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from workflows.engine.specs import ProcessBundle, bundle_from_files
from workflows.errors import NotFound
from workflows.storage import audit
from workflows.storage.database import Database
from workflows.storage.schema import Policy, ProcessVersion


@dataclass(frozen=True)
class VersionSummary:
    """A version as the studio lists it: number, who, when, note, and how many policies run on it."""

    process_id: str
    id: int
    version: int
    name: str
    created_at: datetime
    created_by: str
    note: str | None
    content_hash: str
    policies: int


class ProcessRegistry:
    def __init__(self, database: Database, clock):
        self._db = database
        self._clock = clock
        self.bundle = lru_cache(maxsize=64)(self._load_bundle)

    def deploy(self, bundle: ProcessBundle, actor: str, note: str | None = None) -> tuple[ProcessVersion, bool]:
        """Store ``bundle`` as the latest version; return (version, whether it is new).

        The audit event records who, when, the note and the content hash."""
        with self._db.transaction() as session:
            latest = session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == bundle.process_id)
                                    .order_by(ProcessVersion.version.desc()).limit(1))
            if latest is not None and latest.content_hash == bundle.content_hash:
                return latest, False
            version = ProcessVersion(process_id=bundle.process_id, name=bundle.name,
                                     version=(latest.version + 1) if latest else 1,
                                     content_hash=bundle.content_hash, files=bundle.files,
                                     created_by=actor, created_at=self._clock(), note=note)
            session.add(version)
            session.flush()
            audit.record(session, at=self._clock(), actor=actor, action="process_deployed",
                         data={"process_id": bundle.process_id, "version": version.version,
                               "content_hash": bundle.content_hash, "files": sorted(bundle.files), "note": note},
                         process_version_id=version.id)
            return version, True

    def latest(self, session, process_id: str) -> ProcessVersion:
        version = session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == process_id)
                                 .order_by(ProcessVersion.version.desc()).limit(1))
        if version is None:
            raise NotFound(f"No version of the process '{process_id}' has been deployed; run 'policyflow init'.")
        return version

    def versions(self, process_id: str) -> list[VersionSummary]:
        """Every version of a process, newest first, with how many policies run on each."""
        with self._db.reading() as session:
            running = (select(Policy.process_version_id, func.count().label("policies"))
                       .group_by(Policy.process_version_id).subquery())
            rows = session.execute(
                select(ProcessVersion.id, ProcessVersion.version, ProcessVersion.name, ProcessVersion.created_at,
                       ProcessVersion.created_by, ProcessVersion.note, ProcessVersion.content_hash,
                       func.coalesce(running.c.policies, 0))
                .outerjoin(running, running.c.process_version_id == ProcessVersion.id)
                .where(ProcessVersion.process_id == process_id).order_by(ProcessVersion.version.desc())).all()
        if not rows:
            raise NotFound(f"There is no process '{process_id}'.")
        return [VersionSummary(process_id, *row) for row in rows]

    def version(self, process_id: str, number: int) -> ProcessVersion:
        """One version of a process, with its files."""
        with self._db.reading() as session:
            found = session.scalar(select(ProcessVersion).options(undefer(ProcessVersion.files))
                                   .where(ProcessVersion.process_id == process_id, ProcessVersion.version == number))
        if found is None:
            raise NotFound(f"The process '{process_id}' has no version {number}.")
        return found

    def latest_versions(self) -> list[ProcessVersion]:
        with self._db.reading() as session:
            newest = (select(ProcessVersion.process_id, func.max(ProcessVersion.version).label("version"))
                      .group_by(ProcessVersion.process_id).subquery())
            query = select(ProcessVersion).join(newest, (ProcessVersion.process_id == newest.c.process_id)
                                                & (ProcessVersion.version == newest.c.version))
            return list(session.scalars(query.order_by(ProcessVersion.process_id)))

    def _load_bundle(self, version_id: int) -> ProcessBundle:
        with self._db.reading() as session:
            version = session.get(ProcessVersion, version_id)
            if version is None:
                raise NotFound(f"Process version {version_id} does not exist")
            files = dict(version.files)
        return bundle_from_files(files)
