"""Inbox latency with 100 policies and with 10,000: a manager's first page of tasks.

All policies are in the manager's own department and each has a task waiting for
them — the worst case for their inbox. Measured in-process (the query) and over
HTTP (``GET /api/v1/tasks`` through the running server, token check included).
"""
from __future__ import annotations

import http.client
import json
import time
from concurrent.futures import ThreadPoolExecutor

from workflows.policies.queries import Page

from .common import add_department, median_ms, services_for

REPEATS = 200


def _grow(services, department, count: int) -> None:
    """Start ``count`` more policies, two at a time (the sandbox has two workers)."""
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda n: services.commands.start(department.manager, f"Policy {n}", department.name),
                      range(count)))


def _service_latency(services, actor) -> float:
    samples = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        tasks = services.queries.inbox(actor, Page())
        samples.append(time.perf_counter() - began)
    assert len(tasks) == Page().limit
    return median_ms(samples)


def _http_latency(port: int, token: str) -> float:
    connection, samples = http.client.HTTPConnection("127.0.0.1", port), []
    for _ in range(REPEATS):
        began = time.perf_counter()
        connection.request("GET", "/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        body = json.loads(response.read())
        samples.append(time.perf_counter() - began)
    assert response.status == 200 and len(body) == Page().limit
    connection.close()
    return median_ms(samples)


def measure(url: str, start_server, sizes=(100, 10_000)) -> list[dict]:
    """Inbox latency at each size, read by a freshly started app and server (as after a
    restart), not by the process that has just written thousands of policies."""
    services = services_for(url)
    department = add_department(services, "Inbox")
    token = services.accounts.create_token(department.manager.username)
    rows, created = [], 0
    for size in sizes:
        _grow(services, department, size - created)
        created = size
        services.database.dispose()
        reader = services_for(url, create=False)
        server = start_server()
        try:
            rows.append({"policies": size, "service_ms": _service_latency(reader, department.manager),
                         "http_ms": _http_latency(server.port, token)})
        finally:
            server.stop()
            reader.database.dispose()
    return rows
