"""Shared fixtures: a real database (SQLite, and PostgreSQL when reachable), a
controllable clock, the default diagrams deployed, and one person per role."""
from __future__ import annotations

import logging
import os
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text

from workflows.wiring import build_services

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


def make_services(url, clock, mail=None):
    services = build_services(url, clock=clock, password_method=TEST_PASSWORD_METHOD, mail=mail)
    services.database.create_schema()
    services.deploy_directory()
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
