"""Benchmark: the cost of one task submission, at the service layer and through the API.

Carries N policies through the whole approve path (draft → publication, with three
staff, who then acknowledge it) on a fresh SQLite file (or POLICYFLOW_BENCH_DATABASE_URL), and reports per
submission: wall time, SQL statements, and commits. Run: `make bench`.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.answers import answers_for  # noqa: E402
from workflows.wiring import build_services  # noqa: E402

POLICIES = int(os.environ.get("POLICYFLOW_BENCH_POLICIES", "50"))
STAFF = ["sam", "alex", "kim"]


class Counter:
    """Counts SQL statements and commits on an engine."""

    def __init__(self, engine):
        self.statements = self.commits = 0
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    def _statement(self, *args):
        self.statements += 1

    def _commit(self, *args):
        self.commits += 1


def setup(url: str):
    services = build_services(url)
    services.database.create_schema()
    services.deploy_directory()
    people = {"mary": services.accounts.add_user("mary", "pw", ["manager"], department="Ultrasound")}
    for name in STAFF:
        people[name] = services.accounts.add_user(name, "pw", ["staff"], department="Ultrasound")
    for name, role in (("pat", "patient_liaison"), ("emma", "employer"), ("ian", "insurer")):
        people[name] = services.accounts.add_user(name, "pw", [role])
    return services, people


PATH = [("mary", "draft_policy"), ("mary", "assess_risks"), *[(n, "staff_consultation") for n in STAFF],
        ("pat", "patient_consultation"), ("mary", "revise_policy"), ("emma", "employer_signoff"),
        ("ian", "insurer_signoff"), ("mary", "publish_policy"), *[(n, "acknowledge_policy") for n in STAFF]]


def service_level(services, people, counter) -> list[tuple[float, int, int]]:
    samples = []
    for index in range(POLICIES):
        services.commands.start(people["mary"], f"Policy {index}", "Ultrasound")
        for who, element in PATH:
            task = next(t for t in services.queries.inbox(people[who]) if t["name"] == element)
            answers = answers_for(task["form"])
            statements, commits = counter.statements, counter.commits
            began = time.perf_counter()
            services.commands.complete(people[who], task["id"], answers)
            samples.append((time.perf_counter() - began, counter.statements - statements, counter.commits - commits))
    return samples


def api_level(services, people, counter) -> list[tuple[float, int, int]]:
    from webapp import create_app

    app = create_app({"TESTING": True}, services=services)
    client = app.test_client()
    tokens = {name: services.accounts.create_token(name) for name in people}
    samples = []
    for index in range(POLICIES):
        headers = {"Authorization": f"Bearer {tokens['mary']}"}
        client.post("/api/v1/policies", json={"title": f"API policy {index}", "department": "Ultrasound"}, headers=headers)
        for who, element in PATH:
            headers = {"Authorization": f"Bearer {tokens[who]}"}
            task = next(t for t in client.get("/api/v1/tasks", headers=headers).get_json() if t["name"] == element)
            form = next(t["form"] for t in services.queries.inbox(people[who]) if t["id"] == task["id"])
            statements, commits = counter.statements, counter.commits
            began = time.perf_counter()
            response = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": answers_for(form)}, headers=headers)
            samples.append((time.perf_counter() - began, counter.statements - statements, counter.commits - commits))
            assert response.status_code == 200, response.get_json()
    return samples


def report(label: str, samples) -> None:
    times = sorted(s[0] * 1000 for s in samples)
    print(f"{label}: {len(samples)} submissions | "
          f"median {statistics.median(times):.2f} ms, p95 {times[int(len(times) * 0.95)]:.2f} ms | "
          f"statements per submit: median {statistics.median(s[1] for s in samples):.0f}, max {max(s[1] for s in samples)} | "
          f"commits per submit: max {max(s[2] for s in samples)}")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("POLICYFLOW_BENCH_DATABASE_URL", f"sqlite:///{folder}/bench.db")
        services, people = setup(url)
        counter = Counter(services.database.engine)
        print(f"database: {services.database.engine.dialect.name}; {POLICIES} policies × {len(PATH)} submissions")
        report("service", service_level(services, people, counter))
        report("api (Flask test client, incl. token check and response)", api_level(services, people, counter))
        services.database.dispose()


if __name__ == "__main__":
    main()
