"""Clients that carry a department's policies to publication: each step lists my tasks, then submits one.

A client acts as all the people of its own department (so clients never compete
for a task) and goes round them: as long as this person has a task, list their
tasks and complete the first with valid answers for its form; then the next
person (one empty list per person and round is the price of not knowing whose
turn it is). ``service_client`` calls the services in its
own process; ``http_client`` talks to a running server over HTTP with tokens.
"""
from __future__ import annotations

import http.client
import json
import time

from tests.answers import answers_for


def _report(results, began: float, done: int, submits: list[float], statements: int = 0) -> None:
    results.put({"began": began, "ended": time.perf_counter(), "done": done, "submits": submits,
                 "statements": statements})


def service_client(url: str, usernames: list[str], forms: dict, target: int, go, results, count_sql: bool) -> None:
    try:
        _service_client(url, usernames, forms, target, go, results, count_sql)
    except Exception as error:  # noqa: BLE001 - shown by the parent, which stops the benchmark
        results.put({"error": f"{type(error).__name__}: {error}"})


def http_client(port: int, tokens: dict[str, str], forms: dict, target: int, go, results) -> None:
    try:
        _http_client(port, tokens, forms, target, go, results)
    except Exception as error:  # noqa: BLE001 - shown by the parent, which stops the benchmark
        results.put({"error": f"{type(error).__name__}: {error}"})


def _service_client(url: str, usernames: list[str], forms: dict, target: int, go, results, count_sql: bool) -> None:
    from sqlalchemy import event

    from workflows.policies.queries import Page

    from .common import services_for

    services = services_for(url, create=False)
    people = {name: services.accounts.authenticate(name, "bench") for name in usernames}
    statements = [0]
    if count_sql:
        event.listen(services.database.engine, "before_cursor_execute", lambda *args: statements.__setitem__(0, statements[0] + 1))
    go.wait()
    began, done, submits, counted = time.perf_counter(), 0, [], 0
    while done < target:
        for actor in people.values():
            while tasks := services.queries.inbox(actor, Page(limit=1)):
                task = tasks[0]
                before = statements[0]
                started = time.perf_counter()
                services.commands.complete(actor, task["id"], answers_for(forms[task["name"]]))
                submits.append(time.perf_counter() - started)
                counted += statements[0] - before
                done += 1
    _report(results, began, done, submits, counted)


def _http_client(port: int, tokens: dict[str, str], forms: dict, target: int, go, results) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(method: str, path: str, token: str, body=None):
        connection.request(method, path, body=json.dumps(body) if body is not None else None,
                           headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response = connection.getresponse()
        payload = response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: {response.status} {payload[:300]!r}")
        return json.loads(payload)

    go.wait()
    began, done, submits = time.perf_counter(), 0, []
    while done < target:
        for token in tokens.values():
            while tasks := call("GET", "/api/v1/tasks?limit=1", token):
                task = tasks[0]
                started = time.perf_counter()
                call("POST", f"/api/v1/tasks/{task['id']}/complete", token, {"data": answers_for(forms[task["name"]])})
                submits.append(time.perf_counter() - started)
                done += 1
    connection.close()
    _report(results, began, done, submits)
