"""Deployed process versions: immutable, content-addressed, parsed once per process.

A deploy stores the files it was given as a new version; new policies start on
the latest version and running ones keep theirs (each workflow also carries its
own copy of the spec). Parsed bundles are cached by version id, which is safe
because a version never changes.
"""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import func, select

from . import audit
from .errors import NotFound
from .schema import ProcessVersion
from .specs import ProcessBundle, bundle_from_files
from .store import Database


class ProcessRegistry:
    def __init__(self, database: Database, clock):
        self._db = database
        self._clock = clock
        self.bundle = lru_cache(maxsize=64)(self._load_bundle)

    def deploy(self, bundle: ProcessBundle, actor: str) -> tuple[ProcessVersion, bool]:
        """Store ``bundle`` as the latest version; return (version, whether it is new)."""
        with self._db.transaction() as session:
            latest = session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == bundle.process_id)
                                    .order_by(ProcessVersion.version.desc()).limit(1))
            if latest is not None and latest.content_hash == bundle.content_hash:
                return latest, False
            version = ProcessVersion(process_id=bundle.process_id, name=bundle.name,
                                     version=(latest.version + 1) if latest else 1,
                                     content_hash=bundle.content_hash, files=bundle.files,
                                     created_by=actor, created_at=self._clock())
            session.add(version)
            session.flush()
            audit.record(session, at=self._clock(), actor=actor, action="process_deployed",
                         data={"process_id": bundle.process_id, "version": version.version,
                               "content_hash": bundle.content_hash, "files": sorted(bundle.files)},
                         process_version_id=version.id)
            return version, True

    def latest(self, session, process_id: str) -> ProcessVersion:
        version = session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == process_id)
                                 .order_by(ProcessVersion.version.desc()).limit(1))
        if version is None:
            raise NotFound(f"No version of the process '{process_id}' has been deployed; run 'policyflow init'.")
        return version

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
