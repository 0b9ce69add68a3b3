"""The API fuzzed from its own OpenAPI document: no server error, no answer the document does not describe.

Schemathesis reads ``/api/v1/openapi.json`` from the real app (its WSGI integration,
the same app and database as every other API test) and, for every operation the
document lists — so an endpoint or query parameter added later is fuzzed without
touching this file — generates requests that fit the document and requests that
break it, sends them with a manager's or a staff member's token, and checks each
answer: not a 5xx, a documented status, a body valid against the documented schema,
invalid input refused. Values that exist (policy and task ids, departments, a task's
valid answers) are mixed into requests that fit the document, so they reach the
policies, tasks, forms and completions behind the ids, not only 404s and 422s.

The run is bounded and repeatable: a fixed number of examples per operation,
Hypothesis derandomised and without its example database, so CI sends the same
requests every time (a few seconds in all).
"""
from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from sqlalchemy import select

from tests.answers import answers_for
from tests.lifecycle import complete
from tests.studio import add_designer
from workflows.storage.schema import HumanTask

# PostgreSQL refuses more than SQLite (NUL in text, ids past 2**31), so it gets the larger share;
# at 100 examples an operation, the fuzz finds a NUL in a policy title within the first run.
EXAMPLES_PER_OPERATION = {"postgres": 100, "sqlite": 50}
CALLERS = ("mary", "sam", "dora")  # a manager and a staff member of Ultrasound, a process designer
# A request that fits the document may still break a rule the document cannot state (the
# department must exist, answers must fit the task's own form): that is the documented 422.
# Anything else — a 400 "could not be understood", a 5xx — fails the fuzz.
CONFIG = {"checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "409", "422"]}}}


def existing_things(services, people) -> dict[str, list]:
    """Real values by parameter or body field name; some are not the callers' to see or act on."""
    in_consultation = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    just_started = services.commands.start(people["mary"], "Recording in the screening room", "Ultrasound")
    elsewhere = services.commands.start(people["olga"], "Recording in radiography", "Radiography")
    # Hypothesis favours the first values of a list, so the callers' own open tasks come first; then
    # everyone else's and the completed ones, in an order that does not depend on the random task ids.
    own = sorted((t["policy_id"], t["name"], t["id"], t["form"]) for name in CALLERS if name in people
                 for t in services.queries.inbox(people[name]))
    with services.database.reading() as session:
        rest = session.execute(select(HumanTask.id, HumanTask.form)
                               .order_by(HumanTask.policy_id, HumanTask.element_id, HumanTask.assignee))
        tasks = [(task_id, form) for *_, task_id, form in own] + [tuple(row) for row in rest]
    assert len(tasks) >= 6, tasks  # the callers' own tasks, colleagues' tasks and completed ones
    return {"policy_id": [in_consultation, just_started, elsewhere], "task_id": tasks,
            "department": ["Ultrasound", "Radiography"], "process_id": ["policy_lifecycle"], "number": [1],
            "from": [1], "to": [1], "version": [1]}


def with_existing_things(case, things: dict[str, list], data) -> None:
    """In a request that fits the document, use some values that exist instead of made-up ones."""
    if case.meta is None or case.meta.generation.mode != GenerationMode.POSITIVE:
        return  # a request meant to break the document stays broken
    body = case.body if isinstance(case.body, dict) else {}
    for place in (case.path_parameters or {}, case.query or {}, body):
        for name in [name for name in place if name in things]:
            if data.draw(st.integers(0, 3), label=f"made-up {name}?") < 3:  # Hypothesis favours 0: mostly real
                place[name] = data.draw(st.sampled_from(things[name]), label=name)
    task = (case.path_parameters or {}).get("task_id")
    if isinstance(task, tuple):  # a task id with its form: sometimes send that form's valid answers
        case.path_parameters["task_id"], form = task
        if "data" in body and not data.draw(st.booleans(), label="made-up answers?"):
            body["data"] = answers_for(form)


def fuzz(operation, tokens: dict[str, str], things: dict[str, list], statuses: Counter, examples: int) -> None:
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(case=cases, caller=st.sampled_from(CALLERS), data=st.data())
    def answers_as_documented(case, caller, data):
        with_existing_things(case, things, data)
        response = case.call_and_validate(headers={"Authorization": f"Bearer {tokens[caller]}"})
        statuses[(case.method, case.path, response.status_code // 100)] += 1

    answers_as_documented()


@pytest.fixture
def store_app(store_services, tmp_path, monkeypatch):
    """The app of the ``app`` fixture, on SQLite and on PostgreSQL: each refuses different things
    (PostgreSQL has no NUL in text and 32-bit ids; SQLite no lone surrogates)."""
    from webapp import create_app

    monkeypatch.chdir(tmp_path)
    return create_app({"TESTING": True}, services=store_services)


def test_every_documented_operation_answers_as_documented(store_app, store_services, store_people, database_url):
    app, services, people = store_app, store_services, store_people
    examples = EXAMPLES_PER_OPERATION["postgres" if database_url.startswith("postgresql") else "sqlite"]
    people = {**people, "dora": add_designer(services, "dora")}
    tokens = {name: services.accounts.create_token(name) for name in CALLERS}
    things = existing_things(services, people)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=SchemathesisConfig.from_dict(CONFIG))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8, [operation.label for operation in operations]
    statuses: Counter = Counter()
    for operation in operations:
        fuzz(operation, tokens, things, statuses, examples)
    # The fuzz reached past the ids: tasks were shown and completed, policies started.
    succeeded = {(method, path) for (method, path, kind), _ in statuses.items() if kind == 2}
    assert any("{task_id}" in path and method == "POST" for method, path in succeeded), statuses
    assert any("{task_id}" in path and method == "GET" for method, path in succeeded), statuses
    assert any("{" not in path and method == "POST" for method, path in succeeded), statuses
