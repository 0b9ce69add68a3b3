"""``policyflow serve`` with two workers: probes answer, and /metrics adds up every worker's counts."""
from __future__ import annotations

import re
import time
import urllib.error
import urllib.request

from tests.conftest import make_services
from tests.served import ServedApp


def _get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:  # 503 from /readyz while it starts
        return error.code, error.read().decode()


def _counted(text: str) -> float:
    found = re.search(r'^policyflow_http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)$',
                      text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_metrics_add_up_the_requests_every_worker_answered(sqlite_url, clock, tmp_path):
    services = make_services(sqlite_url, clock)
    folder = tmp_path / "metrics"
    server = ServedApp(sqlite_url, tmp_path, workers=2, environment={"PROMETHEUS_MULTIPROC_DIR": str(folder)})
    try:
        server.start()
        deadline = time.monotonic() + 60
        while _get(server.port, "/readyz")[0] != 200:  # the first sandbox worker may still be starting
            assert time.monotonic() < deadline, "never ready"
        sent = 0
        deadline = time.monotonic() + 60
        # Until both workers have answered some (each writes its counts in a file named by its pid).
        while len({p.name.rsplit("_", 1)[1] for p in folder.glob("counter_*.db")}) < 2:
            assert time.monotonic() < deadline, "one worker answered every request"
            assert _get(server.port, "/healthz") == (200, '{"status":"ok"}\n')
            sent += 1
        for _ in range(3):  # whichever worker answers the scrape, it counts everyone's
            assert _counted(_get(server.port, "/metrics")[1]) == sent
    finally:
        server.stop()
        services.database.dispose()
