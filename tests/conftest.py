"""Shared fixtures: a real database (SQLite, and PostgreSQL when reachable), a
controllable clock, the default diagrams deployed, and one person per role."""
from __future__ import annotations

import atexit
import hashlib
import logging
import os
import shutil
import tempfile
import uuid
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path

import pytest
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, make_url, text

from workflows.designer.deploy import checked_bundle
from workflows.engine.specs import read_bundle_directory
from workflows.storage.database import Database
from workflows.wiring import BPMN_DIR, build_services

POSTGRES_URL = os.environ.get("POLICYFLOW_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "correct horse battery"


class Clock:
    """A clock tests move by hand; services read it through ``clock()``."""

    def __init__(self):
        self.now = datetime.now(timezone.utc).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def _postgres_reachable() -> bool:
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable" here
        return False


@pytest.fixture(scope="session")
def postgres_available() -> bool:
    reachable = _postgres_reachable()
    if not reachable and os.environ.get("CI"):
        pytest.fail(f"PostgreSQL must be reachable in CI at {POSTGRES_URL}")
    return reachable


@pytest.fixture
def postgres_url(postgres_available):
    """A PostgreSQL URL whose tables live in a schema of their own, dropped afterwards."""
    if not postgres_available:
        pytest.skip("PostgreSQL is not reachable (CI always has it)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"create schema {schema}"))
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f"drop schema {schema} cascade"))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'policyflow.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request):
    """Runs a store test once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def no_error_logged(caplog):
    """Expected refusals are answered, never logged at ERROR (with a traceback) for the operator."""
    caplog.set_level(logging.ERROR)
    yield
    logged = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert not logged, [r.getMessage() for r in logged]


@pytest.fixture
def clock():
    return Clock()


# Tests need real password hashing, not slow hashing: scrypt costs 0.1 s per person.
TEST_PASSWORD_METHOD = "pbkdf2:sha256:1000"


def _new_sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL when it does not exist yet (else None: it is migrated as it is)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database)
    return None if path.exists() else path


@cache
def _migrated_sqlite_template() -> Path:
    """A SQLite file migrated to the newest revision, once per test run: a new database is a copy
    of it (the same file the migrations would write, without running them again for every test)."""
    folder = Path(tempfile.mkdtemp(prefix="policyflow-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    database = Database(f"sqlite:///{folder / 'template.db'}")
    database.create_schema()
    database.dispose()  # the last connection closed: the WAL is checkpointed into the file
    return folder / "template.db"


@cache
def _checked_bundle(directory: Path, content: str):
    return checked_bundle(*read_bundle_directory(directory))


def default_bundle(directory: Path = BPMN_DIR):
    """The checked bundle of ``directory``, as ``deploy_directory`` deploys it; checked once per test
    run for each content of the directory (read every time, so a changed file is checked anew)."""
    diagrams, forms = read_bundle_directory(directory)
    content = hashlib.sha256(repr((sorted(diagrams.items()), sorted(forms.items()))).encode()).hexdigest()
    return _checked_bundle(directory, content)


@pytest.fixture(scope="session", autouse=True)
def _one_parse_of_each_bundle():
    """A registry parses each version's files once and shares the bundle among all its policies
    (``ProcessRegistry.bundle``); the tests build a registry per test over the same few diagrams,
    so identical files are parsed once per test run and shared in the same way. A version's files
    are still read from its database, and files never seen before are parsed (and refused) as ever."""
    from workflows.engine import processes

    parse, parsed = processes.bundle_from_files, {}

    def parse_once(files: dict[str, str]):
        key = hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest()
        if key not in parsed:
            parsed[key] = parse(files)
        return parsed[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(processes, "bundle_from_files", parse_once)
        yield


class _SharedTemplateCode(BytecodeCache):
    """Jinja's compiled templates kept in memory for every app of the test run (each test builds
    its own app, which would compile each template again). Jinja checks each entry against the
    template's source and compiles again when the source differs."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


@pytest.fixture(scope="session", autouse=True)
def _templates_compiled_once():
    """Every Flask app the tests build shares one Jinja bytecode cache (Flask's ``jinja_options``)."""
    from flask import Flask

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Flask, "jinja_options", {**Flask.jinja_options, "bytecode_cache": _SharedTemplateCode()})
        yield


def make_services(url, clock, mail=None):
    """Services on ``url`` migrated to the newest revision, with the default diagrams deployed."""
    new_file = _new_sqlite_file(url)
    if new_file is not None:
        shutil.copyfile(_migrated_sqlite_template(), new_file)
    services = build_services(url, clock=clock, password_method=TEST_PASSWORD_METHOD, mail=mail)
    if new_file is None:
        services.database.create_schema()
    services.processes.deploy(default_bundle(), "system")  # what services.deploy_directory() does
    return services


@pytest.fixture
def services(sqlite_url, clock):
    services = make_services(sqlite_url, clock)
    yield services
    services.database.dispose()


@pytest.fixture
def store_services(database_url, clock):
    services = make_services(database_url, clock)
    yield services
    services.database.dispose()


PEOPLE = {
    "mary": (["manager"], "Ultrasound"),
    "sam": (["staff"], "Ultrasound"),
    "alex": (["staff"], "Ultrasound"),
    "kim": (["staff"], "Ultrasound"),
    "pat": (["patient_liaison"], None),
    "emma": (["employer"], None),
    "ian": (["insurer"], None),
    "eve": (["equality_lead"], None),
    "gil": (["information_governance"], None),
    "cora": (["committee"], None),
    "olga": (["manager"], "Radiography"),
}


def add_people(services) -> dict:
    return {name: services.accounts.add_user(name, PASSWORD, roles, department=dept)
            for name, (roles, dept) in PEOPLE.items()}


@pytest.fixture
def people(services):
    return add_people(services)


@pytest.fixture
def store_people(store_services):
    return add_people(store_services)


@pytest.fixture
def app(services, tmp_path, monkeypatch):
    """The Flask app over the test's services (CSRF stays on, as in production)."""
    from webapp import create_app

    monkeypatch.chdir(tmp_path)  # the instance folder (secret key) lands in tmp_path
    return create_app({"TESTING": True}, services=services)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def tokens(services, people) -> dict:
    """One API token per person of ``people``."""
    return {name: services.accounts.create_token(name) for name in people}
