"""The studio's check, as a designer's tools call it: ``POST /api/v1/processes/check`` on the default bundle.

Three figures, each the median of several calls through the API (Flask's test client,
the app's own sandbox, a SQLite database):

* the whole check: the loader's checks, the conformance guard and the dry run;
* everything but the dry run: the same checks with the dry run's sandbox answering at once;
* deploying files identical to the latest version, which is refused after comparing hashes.

The dry run's figures also say how many routes and steps it took, which must be the same on
every call and on every machine.
"""
from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from workflows.designer.bundle_files import stored_files
from workflows.engine.dry_run import DryRunReport
from workflows.engine.specs import read_bundle_directory
from workflows.wiring import BPMN_DIR

from .common import services_for


def _default_files() -> dict[str, str]:
    diagrams, forms = read_bundle_directory(BPMN_DIR)
    return stored_files({name: data.decode() for name, data in {**diagrams, **forms}.items()})


class _NoDryRun:
    """A dry-run sandbox that answers at once with the route a check needs."""

    def run(self, *args, **kwargs) -> DryRunReport:
        from workflows.engine.dry_run import DryRunPath

        return DryRunReport([DryRunPath(["publish"], "published", None, "")], [], True, 0)


def _timed(call, times: int) -> tuple[float, list]:
    samples, answers = [], []
    for _ in range(times):
        began = time.perf_counter()
        answers.append(call())
        samples.append(time.perf_counter() - began)
    return statistics.median(samples), answers


def measure(times: int = 7) -> dict:
    from webapp import create_app

    files = _default_files()
    with tempfile.TemporaryDirectory() as folder:
        services = services_for(f"sqlite:///{Path(folder) / 'check.db'}")
        try:
            services.accounts.add_user("designer", "bench password 1", ["process_designer"])
            headers = {"Authorization": f"Bearer {services.accounts.create_token('designer')}"}
            home = os.getcwd()
            os.chdir(folder)  # the app's instance folder (its secret key) lands there
            try:
                client = create_app({"TESTING": True}, services=services).test_client()
            finally:
                os.chdir(home)

            def check():
                response = client.post("/api/v1/processes/check", json={"files": files}, headers=headers)
                body = response.get_json()
                assert response.status_code == 200 and body["ok"], body
                return [(p["outcome"], tuple(p["steps"])) for p in body["paths"]]

            check()  # the sandbox worker starts, and imports the engine, once
            whole, routes = _timed(check, times)
            assert all(found == routes[0] for found in routes), "the dry run gave different routes"

            def deploy_same():
                response = client.post("/api/v1/processes", json={"files": files, "note": "Same"}, headers=headers)
                assert response.status_code == 422, response.get_json()
                return response.get_json()

            identical, _answers = _timed(deploy_same, times)
            services.studio._sandbox = _NoDryRun()
            without_dry_run, _answers = _timed(check, times)
        finally:
            services.database.dispose()
    return {"check_s": whole, "without_dry_run_s": without_dry_run, "identical_deploy_s": identical,
            "routes": len(routes[0])}
