"""The API's published contract: /openapi.json describes every route, and real answers match it.

Client programs are generated from and checked against the OpenAPI document, so
it must list every route with its methods and statuses, every ``$ref`` must
resolve, and (most important) what the API really returns must validate against
the schema the document declares for that route and status, so the document
cannot drift from the code.
"""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.answers import answers_for
from tests.lifecycle import complete, resubmit, task_of, to_signoff

API = "/api/v1"
DOC_URI = "urn:policyflow:openapi"
CONTRACT = {"/me": {"get"}, "/processes": {"get", "post"}, "/policies": {"get", "post"}, "/policies/{policy_id}": {"get"},
            "/policies/{policy_id}/audit": {"get"}, "/tasks": {"get"}, "/tasks/{task_id}": {"get"},
            "/tasks/{task_id}/complete": {"post"}, "/tasks/{task_id}/draft": {"post"},
            # Around the steps (issue 8)
            "/policies/{policy_id}/consultation/close": {"post"}, "/policies/{policy_id}/suspend": {"post"},
            "/policies/{policy_id}/resume": {"post"}, "/policies/{policy_id}/withdraw": {"post"},
            "/policies/{policy_id}/acknowledgements": {"get"}, "/policies/{policy_id}/incidents": {"get", "post"},
            "/policies/{policy_id}/translations": {"get", "post"},
            # Staff preferences that last (issue 13)
            "/me/recording-preferences": {"get", "put"}, "/departments/{name}/recording-preferences": {"get"},
            "/tasks/{task_id}/claim": {"post"}, "/tasks/{task_id}/release": {"post"},
            "/tasks/{task_id}/assign": {"post"}, "/tasks/{task_id}/remind": {"post"},
            # The studio (issue 6)
            "/processes/check": {"post"}, "/processes/import": {"post"}, "/drafts/{draft_id}": {"get"},
            "/drafts/{draft_id}/todos/apply": {"post"}, "/processes/{process_id}/versions": {"get"},
            "/processes/{process_id}/versions/{number}": {"get"}, "/processes/{process_id}/diff": {"get"},
            "/policies/{policy_id}/migrate": {"post"}}


@pytest.fixture
def doc(client) -> dict:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200 and response.is_json
    return response.get_json()


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def documented_schema(doc: dict, path: str, method: str, status: int) -> dict:
    """The JSON schema the document declares for this answer (fails if the status is undocumented)."""
    responses = doc["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} answers {status}, which is not documented"
    return responses[str(status)]["content"]["application/json"]["schema"]


def assert_documented(doc: dict, path: str, method: str, response) -> dict:
    """Validate a real response against the document's schema, resolving $refs into the document."""
    schema = documented_schema(doc, path, method, response.status_code)
    registry = Registry().with_resource(DOC_URI, Resource.from_contents(doc, default_specification=DRAFT202012))
    resolved = {"$ref": f"{DOC_URI}{schema['$ref']}"} if "$ref" in schema else _rebase(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in
              Draft202012Validator(resolved, registry=registry).iter_errors(response.get_json())]
    assert not errors, f"{method.upper()} {path} {response.status_code} breaks its documented schema: {errors}"
    return response.get_json()


def _rebase(schema):
    """Point a schema's local ``#/...`` refs at the document, so it validates on its own."""
    if isinstance(schema, dict):
        return {k: (f"{DOC_URI}{v}" if k == "$ref" else _rebase(v)) for k, v in schema.items()}
    return [_rebase(v) for v in schema] if isinstance(schema, list) else schema


def refs(node) -> list[str]:
    """Every ``$ref`` anywhere in ``node``."""
    if isinstance(node, dict):
        return [r for k, v in node.items() for r in ([v] if k == "$ref" else refs(v))]
    return [r for v in node for r in refs(v)] if isinstance(node, list) else []


def pointer(doc: dict, ref: str):
    node = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_the_document_is_openapi_3_and_lists_every_route_of_the_contract(doc):
    assert str(doc["openapi"]).startswith("3.")
    assert doc["info"]["title"] and doc["info"]["version"]
    assert {path: set(ops) & {"get", "post", "put", "patch", "delete"} for path, ops in doc["paths"].items()} == CONTRACT


def test_the_document_passes_the_openapi_specification_validator(doc):
    """Tools that generate clients refuse a document that breaks the OpenAPI 3.1 schema."""
    from openapi_spec_validator import validate

    validate(doc)


def test_every_api_route_of_the_app_is_documented(app, doc):
    """A route added to the code without the document fails here."""
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API) and rule.endpoint != "api.openapi":
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix(API))
            routes.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    documented = {path: set(ops) & {"get", "post", "put", "patch", "delete"} for path, ops in doc["paths"].items()}
    assert routes == documented


def test_every_ref_resolves_and_every_path_parameter_is_declared(doc):
    assert refs(doc), "the document uses no $ref at all"
    for ref in refs(doc):
        assert ref.startswith("#/") and isinstance(pointer(doc, ref), dict), ref
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path" and p["required"]}
            assert declared == set(re.findall(r"{(\w+)}", path)), (method, path)
            assert "401" in operation["responses"], f"{method} {path} does not document 401"
            for response in operation["responses"].values():
                assert response["description"] and response["content"]["application/json"]["schema"]


def test_the_calls_that_take_an_idempotency_key_say_so(doc):
    """A client generated from the document can send ``Idempotency-Key`` on the calls that honour it,
    and knows what a repeat answers and why a reused key is refused."""
    takes = {(path, method): operation for path, operations in doc["paths"].items()
             for method, operation in operations.items()
             if any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))}
    assert set(takes) == {("/policies", "post"), ("/tasks/{task_id}/complete", "post"),
                          ("/tasks/{task_id}/draft", "post"), ("/policies/{policy_id}/incidents", "post")}
    for operation in takes.values():
        [header] = [p for p in operation["parameters"] if p["in"] == "header"]
        assert not header["required"] and header["schema"] == {"type": "string", "minLength": 1, "maxLength": 200}
        assert "24 hours" in header["description"]
        assert "Idempotency-Key" in operation["responses"]["422"]["description"]
        assert "Idempotency-Key" in operation["responses"]["409"]["description"]
        success = next(answer for status, answer in operation["responses"].items() if status.startswith("2"))
        assert "Idempotent-Replayed" in success["headers"]


def test_me_and_processes_answer_as_documented(client, doc, services, tokens):
    me = assert_documented(doc, "/me", "get", client.get(f"{API}/me", headers=auth(tokens["mary"])))
    assert (me["username"], me["roles"]) == ("mary", ["manager"])
    pat = assert_documented(doc, "/me", "get", client.get(f"{API}/me", headers=auth(tokens["pat"])))
    assert (pat["username"], pat["roles"]) == ("pat", ["patient_liaison"])
    processes = assert_documented(doc, "/processes", "get", client.get(f"{API}/processes", headers=auth(tokens["pat"])))
    expected = [{"id": v.process_id, "name": v.name, "version": v.version} for v in services.processes.latest_versions()]
    assert processes == expected and len(processes) == 1


def test_a_policy_through_its_routes_answers_as_documented(client, doc, services, people, tokens):
    mary = auth(tokens["mary"])
    started = client.post(f"{API}/policies", json={"title": "Recording", "department": "Ultrasound"}, headers=mary)
    policy = assert_documented(doc, "/policies", "post", started)
    assert started.status_code == 201 and policy["process"]["version"] == 1
    assert started.headers["Location"] == f"{API}/policies/{policy['id']}"
    assert_documented(doc, "/policies/{policy_id}", "get", client.get(f"{API}/policies/{policy['id']}", headers=mary))
    tasks = assert_documented(doc, "/tasks", "get", client.get(f"{API}/tasks", headers=mary))
    task = assert_documented(doc, "/tasks/{task_id}", "get", client.get(f"{API}/tasks/{tasks[0]['id']}", headers=mary))
    done = client.post(f"{API}/tasks/{task['id']}/complete", json={"data": answers_for("draft_policy.schema.json")},
                       headers=mary)
    assert done.status_code == 200 and assert_documented(doc, "/tasks/{task_id}/complete", "post", done)
    trail = assert_documented(doc, "/policies/{policy_id}/audit", "get",
                              client.get(f"{API}/policies/{policy['id']}/audit", headers=mary))
    assert [e["actor"] for e in trail if e["action"] == "task_completed"] == ["mary"]
    for event in trail:
        datetime.fromisoformat(event["at"])  # ISO 8601, not an HTTP date


def test_refusals_answer_with_the_documented_error_schema(client, doc, services, people, tokens):
    policy_id = to_signoff(services, people)
    task_id = task_of(services, people["emma"], "employer_signoff")["id"]
    complete_path = "/tasks/{task_id}/complete"
    post = lambda token, data: client.post(f"{API}/tasks/{task_id}/complete", json={"data": data},  # noqa: E731
                                           headers=auth(token))
    assert_documented(doc, "/me", "get", client.get(f"{API}/me"))
    assert_documented(doc, "/policies/{policy_id}", "get", client.get(f"{API}/policies/{policy_id}",
                                                                      headers=auth(tokens["olga"])))
    assert_documented(doc, "/policies", "post", client.post(f"{API}/policies", json={"title": "T", "department": "X"},
                                                            headers=auth(tokens["sam"])))
    assert_documented(doc, complete_path, "post", post(tokens["ian"], {}))
    assert_documented(doc, complete_path, "post", post(tokens["emma"], {"decision": "changes_requested"}))
    assert post(tokens["emma"], answers_for("employer_signoff.schema.json")).status_code == 200
    conflict = post(tokens["emma"], answers_for("employer_signoff.schema.json"))
    assert conflict.status_code == 409 and assert_documented(doc, complete_path, "post", conflict)


def test_datetimes_are_iso_8601(client, services, people, tokens):
    policy_id = services.commands.start(people["mary"], "Recording", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    policy = client.get(f"{API}/policies/{policy_id}", headers=auth(tokens["mary"])).get_json()
    for value in [policy["created_at"], policy["updated_at"], *(t["ready_since"] for t in policy["ready_tasks"])]:
        datetime.fromisoformat(value)  # raises on anything else, such as an HTTP date


def documented_fields(doc: dict, schema: dict) -> dict:
    """{property: sub-schema} a schema documents, through $ref and allOf."""
    if "$ref" in schema:
        return documented_fields(doc, pointer(doc, schema["$ref"]))
    found = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        found.update(documented_fields(doc, part))
    return found


def undocumented(doc: dict, schema: dict, value, where: str = "") -> set[str]:
    """Every field of ``value`` that the schema does not mention, as a path like ``.ready_tasks[].id``."""
    if "$ref" in schema:
        schema = pointer(doc, schema["$ref"])
    if isinstance(value, list):
        return {p for item in value for p in undocumented(doc, schema.get("items", {}), item, f"{where}[]")}
    props = documented_fields(doc, schema)
    if not isinstance(value, dict) or not props:
        return set()  # a scalar, or a free-form object such as a form or its answers
    return ({f"{where}.{key}" for key in value if key not in props}
            | {p for key in value if key in props for p in undocumented(doc, props[key], value[key], f"{where}.{key}")})


def test_every_field_the_api_returns_is_documented(client, doc, services, people, tokens):
    """A client generated from the document cannot see fields the document leaves out."""
    policy_id = services.commands.start(people["mary"], "Recording", "Ultrasound")
    mary = auth(tokens["mary"])
    task_id = client.get(f"{API}/tasks", headers=mary).get_json()[0]["id"]
    answers = {("/me", "get"): client.get(f"{API}/me", headers=mary),
               ("/policies/{policy_id}", "get"): client.get(f"{API}/policies/{policy_id}", headers=mary),
               ("/policies/{policy_id}/audit", "get"): client.get(f"{API}/policies/{policy_id}/audit", headers=mary),
               ("/tasks", "get"): client.get(f"{API}/tasks", headers=mary),
               ("/tasks/{task_id}", "get"): client.get(f"{API}/tasks/{task_id}", headers=mary)}
    missing = {f"{method.upper()} {path}": sorted(fields) for (path, method), response in answers.items()
               if (fields := undocumented(doc, documented_schema(doc, path, method, response.status_code),
                                          response.get_json()))}
    assert not missing, f"returned but not in /openapi.json: {missing}"


def test_a_task_with_its_evidence_and_saved_answers_answers_as_documented(client, doc, services, people, tokens):
    """The richest task answer (a second-round sign-off with every part of the evidence, answers saved
    for later) validates against the document, and every field in it is documented."""
    to_signoff(services, people)
    complete(services, people["emma"], "employer_signoff", decision="changes_requested", comments="Name the lead.")
    resubmit(services, people, how_to_ask="Ask the lead sonographer.", revision_notes="Named the lead.")
    emma = auth(tokens["emma"])
    task_id = task_of(services, people["emma"], "employer_signoff")["id"]
    saved = client.post(f"{API}/tasks/{task_id}/draft", json={"data": {"comments": "Thinking."}}, headers=emma)
    assert assert_documented(doc, "/tasks/{task_id}/draft", "post", saved)["data"] == {"comments": "Thinking."}
    response = client.get(f"{API}/tasks/{task_id}", headers=emma)
    task = assert_documented(doc, "/tasks/{task_id}", "get", response)
    assert task["context"]["changes"] and task["context"]["risk_assessment"] and task["context"]["signoffs"]
    assert not undocumented(doc, documented_schema(doc, "/tasks/{task_id}", "get", 200), task)
    refused = client.post(f"{API}/tasks/{task_id}/draft", json={"data": {"nickname": "x"}}, headers=emma)
    assert refused.status_code == 422 and assert_documented(doc, "/tasks/{task_id}/draft", "post", refused)


def test_the_routes_around_the_steps_answer_as_documented(client, doc, services, people, tokens):
    """Every new route (issue 8), in success and refusal, validates against the document, no field left out."""
    from tests.lifecycle import to_published

    mary, sam, emma = auth(tokens["mary"]), auth(tokens["sam"]), auth(tokens["emma"])
    published = to_published(services, people, title="Published")
    signoff = to_signoff(services, people, title="Signing off")
    shared_task = task_of(services, people["emma"], "employer_signoff")["id"]
    consulting = services.commands.start(people["mary"], "Consulting", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    staff_task = task_of(services, people["kim"], "staff_consultation")["id"]
    incident = {"occurred_on": "2026-01-05", "description": "Filmed the screen.", "action_taken": "Asked to stop."}
    calls = [
        ("/tasks/{task_id}/claim", "post", client.post(f"{API}/tasks/{shared_task}/claim", headers=emma)),
        ("/tasks/{task_id}/claim", "post", client.post(f"{API}/tasks/{shared_task}/claim", headers=sam)),
        ("/tasks/{task_id}/release", "post", client.post(f"{API}/tasks/{shared_task}/release", headers=emma)),
        ("/tasks/{task_id}/release", "post", client.post(f"{API}/tasks/{shared_task}/release", headers=emma)),
        ("/tasks/{task_id}/assign", "post", client.post(f"{API}/tasks/{staff_task}/assign", json={"username": "alex"},
                                                        headers=mary)),
        ("/tasks/{task_id}/assign", "post", client.post(f"{API}/tasks/{staff_task}/assign", json={}, headers=mary)),
        ("/tasks/{task_id}/remind", "post", client.post(f"{API}/tasks/{staff_task}/remind", headers=mary)),
        ("/tasks/{task_id}/remind", "post", client.post(f"{API}/tasks/{staff_task}/remind", headers=sam)),
        ("/policies/{policy_id}/consultation/close", "post",
         client.post(f"{API}/policies/{consulting}/consultation/close", headers=mary)),
        ("/policies/{policy_id}/consultation/close", "post",
         client.post(f"{API}/policies/{consulting}/consultation/close", headers=mary)),
        ("/policies/{policy_id}/acknowledgements", "get",
         client.get(f"{API}/policies/{published}/acknowledgements", headers=mary)),
        ("/policies/{policy_id}/acknowledgements", "get",
         client.get(f"{API}/policies/{published}/acknowledgements", headers=sam)),
        ("/policies/{policy_id}/incidents", "post",
         client.post(f"{API}/policies/{published}/incidents", json=incident, headers=sam)),
        ("/policies/{policy_id}/incidents", "post",
         client.post(f"{API}/policies/{published}/incidents", json={}, headers=sam)),
        ("/policies/{policy_id}/incidents", "get", client.get(f"{API}/policies/{published}/incidents", headers=mary)),
        ("/policies/{policy_id}/incidents", "get", client.get(f"{API}/policies/{published}/incidents", headers=sam)),
        ("/policies/{policy_id}/suspend", "post",
         client.post(f"{API}/policies/{published}/suspend", json={"reason": "Checking."}, headers=mary)),
        ("/policies/{policy_id}/resume", "post", client.post(f"{API}/policies/{published}/resume", json={}, headers=mary)),
        ("/policies/{policy_id}/resume", "post", client.post(f"{API}/policies/{published}/resume", json={}, headers=mary)),
        ("/policies/{policy_id}/withdraw", "post",
         client.post(f"{API}/policies/{signoff}/withdraw", json={"reason": "x"}, headers=mary)),
        ("/policies/{policy_id}/withdraw", "post",
         client.post(f"{API}/policies/{published}/withdraw", json={"reason": "Replaced."}, headers=mary)),
        ("/policies/{policy_id}/withdraw", "post",
         client.post(f"{API}/policies/{published}/withdraw", json={"reason": ""}, headers=sam)),
        ("/tasks", "get", client.get(f"{API}/tasks", headers=sam)),
        ("/policies/{policy_id}", "get", client.get(f"{API}/policies/{consulting}", headers=mary)),
    ]
    statuses = []
    for path, method, response in calls:
        assert_documented(doc, path, method, response)
        if response.status_code < 300:
            fields = undocumented(doc, documented_schema(doc, path, method, response.status_code), response.get_json())
            assert not fields, f"{method.upper()} {path} returns undocumented {sorted(fields)}"
        statuses.append(response.status_code)
    assert statuses == [200, 403, 200, 409, 200, 422, 200, 403, 200, 409, 200, 403, 201, 422, 200, 403,
                        200, 200, 409, 409, 200, 403, 200, 200]
