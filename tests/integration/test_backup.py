"""``policyflow backup`` while the app works, and ``policyflow restore`` into a new database.

Policies are walked to different stages, then a burst of completions runs while the
backup is taken. The copy, restored into a new database, must be the source as of
one moment: every policy untouched since is identical row for row (policy, workflow,
tasks, audit trail, outbox, published versions), every policy changed since is an
earlier, whole state of itself, and the process versions' files are identical.
A restore over a database that has tables is refused unless forced.
"""
from __future__ import annotations

import threading
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import MetaData, create_engine, select, text

from tests.conftest import POSTGRES_URL, add_people, make_services
from tests.integration.test_crash_safety import check_consistent
from tests.lifecycle import complete, to_published, to_signoff
from webapp.cli import main
from workflows.wiring import build_services

BY_POLICY = ("workflow_states", "human_tasks", "audit_events", "outbox", "draft_rounds", "published_versions")
WHOLE = ("departments", "users", "user_roles", "process_versions", "alembic_version")


class Burst(threading.Thread):
    """Starts policies and carries each through drafting and the consultation, step after step."""

    def __init__(self, services, people):
        super().__init__(daemon=True)
        self.services, self.people, self.steps, self.running, self.error = services, people, 0, True, None

    def run(self) -> None:
        number = 0
        try:
            while self.running:
                number += 1
                self.services.commands.start(self.people["mary"], f"Burst {number}", "Ultrasound")
                self.steps += 1
                for who, element in [("mary", "draft_policy"), ("mary", "assess_risks"), ("sam", "staff_consultation")]:
                    if not self.running:
                        return
                    complete(self.services, self.people[who], element)
                    self.steps += 1
        except Exception as error:  # noqa: BLE001 - reported by the test
            self.error = error


def rows(url: str, table: str, where=None) -> dict:
    engine = create_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine, only=[table])
        found = metadata.tables[table]
        key = list(found.primary_key.columns) or list(found.columns)
        query = select(found).order_by(*key)
        if where is not None:
            query = query.where(where(found))
        with engine.connect() as connection:
            return {tuple(row[c.name] for c in key): dict(row) for row in connection.execute(query).mappings()}
    finally:
        engine.dispose()


def cli(url: str, *args: str, code: int = 0):
    result = CliRunner().invoke(main, list(args), env={"POLICYFLOW_DATABASE_URL": url})
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture
def new_database(request, tmp_path):
    """An empty database of the same kind as the source's: a new file, or a new PostgreSQL database."""
    if "sqlite" in request.node.callspec.params.get("database_url", ""):
        yield lambda _source: f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"create database {name}"))
    base = POSTGRES_URL.rsplit("/", 1)[0]
    yield lambda source: f"{base}/{name}" + (source[source.index("?"):] if "?" in source else "")
    with admin.connect() as connection:
        connection.execute(text(f"drop database {name} with (force)"))
    admin.dispose()


def test_a_backup_taken_during_a_burst_restores_as_the_source_was(database_url, clock, tmp_path, monkeypatch,
                                                                   new_database):
    monkeypatch.chdir(tmp_path)
    services = make_services(database_url, clock)
    copy = None
    try:
        people = add_people(services)
        services.accounts.update_user("sam", roles=["staff"], department="Ultrasound", email="sam@hospital.example",
                                      mail_digest=False)
        walked = [to_published(services, people, "Published policy"), to_signoff(services, people, "At sign-off")]
        burst = Burst(services, people)
        burst.start()
        while burst.steps < 6 and burst.error is None:
            burst.join(0.05)
        file = tmp_path / "policyflow.backup"
        before = burst.steps
        output = cli(database_url, "backup", str(file))
        after = burst.steps
        while burst.steps < after + 3 and burst.error is None:
            burst.join(0.05)
        burst.running = False
        burst.join()
        assert burst.error is None, burst.error
        assert burst.steps > after >= before > 0, "the backup was taken while completions were being saved"
        assert "backup" in output or "dumped" in output

        target = new_database(database_url)
        restored = cli(target, "restore", str(file))
        assert "Restored" in restored
        refused = cli(target, "restore", str(file), code=1)
        assert "is not empty" in refused and "--force" in refused
        cli(target, "restore", str(file), "--force")

        for table in WHOLE:
            assert rows(target, table) == rows(database_url, table), table
        source_policies, copied_policies = rows(database_url, "policies"), rows(target, "policies")
        assert set(copied_policies) <= set(source_policies)
        assert {(p,) for p in walked} <= set(copied_policies)
        copy = build_services(target, clock=clock)
        unchanged = changed = 0
        for key, policy in copied_policies.items():
            mine = lambda table, key=key: (lambda t: t.c.policy_id == key[0])  # noqa: E731
            if source_policies[key]["version"] == policy["version"]:
                unchanged += 1
                assert policy == source_policies[key]
                for table in BY_POLICY:
                    assert rows(target, table, mine(table)) == rows(database_url, table, mine(table)), table
            else:
                changed += 1
                source_audit = rows(database_url, "audit_events", mine("audit_events"))
                assert all(source_audit[k] == row for k, row in rows(target, "audit_events",
                                                                     mine("audit_events")).items())
            check_consistent(copy, key[0])
        assert unchanged >= len(walked)
        copy.processes.bundle(copied_policies[(walked[0],)]["process_version_id"])  # the copy's diagrams load
    finally:
        if copy is not None:
            copy.database.dispose()
        services.database.dispose()
