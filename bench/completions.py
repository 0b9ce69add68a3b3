"""Completions per second with 1 and 4 clients, in-process (service level) and over HTTP (gunicorn).

Every client has its own department and policies (started beforehand, not timed)
and walks them to publication; a step is "list my tasks, submit one", as a person
or a tool would. Throughput is all clients' submissions over the wall time from
the first start to the last finish.
"""
from __future__ import annotations

import multiprocessing
import time

from tests.lifecycle import forms_by_element

from .clients import http_client, service_client
from .common import STEPS_TO_PUBLISH, add_department, median_ms, p95_ms, services_for


def prepare(url: str, clients: int, policies: int):
    """Departments with their people and started policies; (forms by element, [(usernames, tokens)])."""
    services = services_for(url)
    groups = []
    for index in range(clients):
        department = add_department(services, f"Dept{index}")
        for number in range(policies):
            services.commands.start(department.manager, f"Policy {number}", department.name)
        tokens = {name: services.accounts.create_token(name) for name in department.people}
        groups.append((list(department.people), tokens))
    bundle = services.processes.bundle(services.processes.latest_versions()[0].id)
    forms = forms_by_element(bundle)
    services.database.dispose()
    return forms, groups


def _run(targets: list, arguments: list) -> dict:
    context = multiprocessing.get_context("spawn")
    go, results = context.Event(), context.Queue()
    processes = [context.Process(target=target, args=(*args, go, results, *extra))
                 for target, (args, extra) in zip(targets, arguments, strict=True)]
    for process in processes:
        process.start()
    time.sleep(1.5)  # let every client import and connect before the clock starts
    go.set()
    reports = [results.get(timeout=600) for _ in processes]
    failed = [r["error"] for r in reports if "error" in r]
    if failed:
        raise RuntimeError(f"a client failed: {failed[0]}")
    for process in processes:
        process.join()
    elapsed = max(r["ended"] for r in reports) - min(r["began"] for r in reports)
    submits = [s for r in reports for s in r["submits"]]
    done = sum(r["done"] for r in reports)
    return {"per_second": done / elapsed, "submit_median_ms": median_ms(submits), "submit_p95_ms": p95_ms(submits),
            "statements": sum(r["statements"] for r in reports) / done}


def service_level(url: str, clients: int, policies: int) -> dict:
    forms, groups = prepare(url, clients, policies)
    target = policies * STEPS_TO_PUBLISH
    return _run([service_client] * clients,
                [((url, names, forms, target), (clients == 1,)) for names, _tokens in groups])


def http_level(url: str, clients: int, policies: int, start_server) -> tuple[dict, list[dict]]:
    """(throughput, memory of the server's workers afterwards) against ``start_server()``."""
    forms, groups = prepare(url, clients, policies)
    target = policies * STEPS_TO_PUBLISH
    server = start_server()
    try:
        result = _run([http_client] * clients, [((server.port, tokens, forms, target), ()) for _names, tokens in groups])
        return result, server.memory()
    finally:
        server.stop()
