"""What the benchmarks share: a database per run, a department's people, the lifecycle walked by lane."""
from __future__ import annotations

import os
import statistics
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import create_engine, text

from workflows.wiring import build_services, utc_now

POSTGRES_URL = os.environ.get("POLICYFLOW_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD_METHOD = "pbkdf2:sha256:1000"  # sign-in cost is not what is measured here
STAFF = 3
#: Submissions a policy needs from draft to publication on the shipped diagram with three staff.
STEPS_TO_PUBLISH = 7 + STAFF


class Clock:
    """A clock the history benchmark moves past review dates."""

    def __init__(self):
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@contextmanager
def database(kind: str, folder: str):
    """A fresh database URL: a SQLite file in ``folder`` or a PostgreSQL schema dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder}/bench-{uuid.uuid4().hex[:8]}.db"
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"create schema {schema}"))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"drop schema {schema} cascade"))
        admin.dispose()


def services_for(url: str, clock=utc_now, create: bool = True):
    """Services on ``url`` (the real clock unless given one: tokens made here are checked by a server)."""
    services = build_services(url, clock=clock, password_method=PASSWORD_METHOD)
    if create:
        services.database.create_schema()
        services.deploy_directory()
    return services


@dataclass
class Department:
    """A department with its own manager, staff and reviewers, so clients never share a task."""

    name: str
    people: dict  # username -> Actor

    @property
    def manager(self):
        return self.people[f"{self.name}-manager"]


def add_department(services, name: str) -> Department:
    roles = {"manager": ["manager"], "liaison": ["patient_liaison"], "employer": ["employer"], "insurer": ["insurer"],
             "equality": ["equality_lead"], "governance": ["information_governance"], "committee": ["committee"]}
    roles.update({f"staff{i}": ["staff"] for i in range(STAFF)})
    people = {f"{name}-{who}": services.accounts.add_user(f"{name}-{who}", "bench", role, department=name)
              for who, role in roles.items()}
    return Department(name, people)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def p95_ms(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[int(len(ordered) * 0.95)] * 1000
