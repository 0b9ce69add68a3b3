"""Every refusal of the API: the right status, a JSON error naming the field, and no traceback.

A client can only act on an error it can tell apart, so each refusal has its own
status and the body is always ``{"errors": [{"field", "message"}]}``. Refusals
are expected, so none of them may be logged as an error for the operator.
"""
from __future__ import annotations

import threading

import pytest
from flask.testing import FlaskClient

from tests.answers import answers_for
from tests.lifecycle import complete, task_of, to_signoff

API = "/api/v1"


pytestmark = pytest.mark.usefixtures("no_error_logged")


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def errors_of(response, status: int) -> list[dict]:
    """The error list of a refusal, after checking its status and JSON shape."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    body = response.get_json()
    assert isinstance(body, dict) and set(body) == {"errors"} and body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"field", "message"} and isinstance(error["message"], str) and error["message"]
    return body["errors"]


def fields(response, status: int = 422) -> list:
    return [e["field"] for e in errors_of(response, status)]


def post_answers(client: FlaskClient, token: str, task_id: str, data):
    return client.post(f"{API}/tasks/{task_id}/complete", json={"data": data}, headers=auth(token))


def still_ready(client, token, task_id) -> bool:
    return task_id in [t["id"] for t in client.get(f"{API}/tasks", headers=auth(token)).get_json()]


@pytest.fixture
def signoff(services, people) -> tuple[int, str]:
    """(policy id, employer's sign-off task id) of a policy that reached sign-off."""
    policy_id = to_signoff(services, people)
    return policy_id, task_of(services, people["emma"], "employer_signoff")["id"]


@pytest.fixture
def at_signoff(signoff) -> str:
    return signoff[1]


def completions(client, token: str, policy_id: int, task: str) -> int:
    """How many times the audit trail says ``task`` was completed."""
    trail = client.get(f"{API}/policies/{policy_id}/audit", headers=auth(token)).get_json()
    return [e["task"] for e in trail if e["action"] == "task_completed"].count(task)


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer not-a-real-token"}, {"Authorization": "Bearer "}, {"Authorization": "Bearer"},
], ids=["missing", "unknown", "empty", "scheme-only"])
@pytest.mark.parametrize("path", ["/me", "/processes", "/tasks", "/policies/1"])
def test_unauthenticated_requests_get_401(client, people, path, headers):
    response = client.get(API + path, headers=headers)
    assert errors_of(response, 401)[0]["field"] is None
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


@pytest.mark.parametrize("scheme", ["Basic", "Token", "Bearer-ish"])
def test_a_real_token_under_another_scheme_gets_401(client, tokens, scheme):
    errors_of(client.get(f"{API}/me", headers={"Authorization": f"{scheme} {tokens['mary']}"}), 401)


def test_unauthenticated_writes_get_401_and_change_nothing(client, services, people, at_signoff):
    errors_of(client.post(f"{API}/policies", json={"title": "T", "department": "Ultrasound"}), 401)
    errors_of(client.post(f"{API}/tasks/{at_signoff}/complete", json={"data": {}}), 401)
    assert task_of(services, people["emma"], "employer_signoff")["id"] == at_signoff


def test_a_task_of_another_role_is_forbidden(client, tokens, at_signoff):
    answers = answers_for("employer_signoff.schema.json")
    errors_of(post_answers(client, tokens["ian"], at_signoff, answers), 403)
    errors_of(client.get(f"{API}/tasks/{at_signoff}", headers=auth(tokens["ian"])), 403)
    assert still_ready(client, tokens["emma"], at_signoff)


def test_staff_cannot_answer_for_a_colleague(client, services, people, tokens):
    services.commands.start(people["mary"], "Recording", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    alex_task = task_of(services, people["alex"], "staff_consultation")["id"]
    answers = answers_for("staff_consultation.schema.json")
    errors_of(post_answers(client, tokens["sam"], alex_task, answers), 403)
    errors_of(client.get(f"{API}/tasks/{alex_task}", headers=auth(tokens["sam"])), 403)
    assert still_ready(client, tokens["alex"], alex_task)


@pytest.mark.parametrize("who", ["sam", "pat", "emma", "ian"])
def test_only_managers_start_policies(client, tokens, who):
    response = client.post(f"{API}/policies", json={"title": "Recording", "department": "Ultrasound"},
                           headers=auth(tokens[who]))
    errors_of(response, 403)


def test_a_manager_cannot_start_a_policy_for_another_department(client, tokens):
    response = client.post(f"{API}/policies", json={"title": "Recording", "department": "Ultrasound"},
                           headers=auth(tokens["olga"]))
    errors_of(response, 403)


@pytest.mark.parametrize("request_", [
    ("get", "/policies/999999"), ("get", "/policies/999999/audit"), ("get", "/tasks/no-such-task"),
    ("post", "/tasks/no-such-task/complete"),
], ids=lambda r: " ".join(r))
def test_unknown_things_are_404(client, tokens, request_):
    method, path = request_
    response = getattr(client, method)(API + path, headers=auth(tokens["mary"]), json={"data": {}})
    errors_of(response, 404)


def test_another_departments_policy_is_404(client, services, people, tokens):
    """A manager of Radiography cannot even learn that Ultrasound's policy exists."""
    policy_id = services.commands.start(people["mary"], "Recording", "Ultrasound")
    for path in (f"/policies/{policy_id}", f"/policies/{policy_id}/audit"):
        errors_of(client.get(API + path, headers=auth(tokens["olga"])), 404)
    assert client.get(f"{API}/policies/{policy_id}", headers=auth(tokens["mary"])).status_code == 200


@pytest.mark.parametrize("data, field", [
    ({"decision": "changes_requested"}, "comments"),
    ({"decision": "changes_requested", "comments": ""}, "comments"),
    ({"decision": "approved", "risk_strategy_checked": False}, "risk_strategy_checked"),
    ({"decision": "maybe"}, "decision"),
    ({"decision": "approved", "risk_strategy_checked": True, "signature": "E."}, "signature"),
], ids=["comments-missing", "comments-empty", "box-unchecked", "unknown-decision", "unknown-field"])
def test_an_invalid_signoff_names_the_field_and_changes_nothing(client, tokens, at_signoff, data, field):
    assert fields(post_answers(client, tokens["emma"], at_signoff, data)) == [field]
    assert still_ready(client, tokens["emma"], at_signoff)


@pytest.mark.parametrize("value", [9, 0, "high"])
def test_a_bad_likelihood_names_that_field(client, services, people, tokens, value):
    services.commands.start(people["mary"], "Recording", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    task_id = task_of(services, people["mary"], "assess_risks")["id"]
    answers = answers_for("risk_assessment.schema.json", distraction_likelihood=value)
    assert fields(post_answers(client, tokens["mary"], task_id, answers)) == ["distraction_likelihood"]
    assert still_ready(client, tokens["mary"], task_id)


def test_a_body_that_is_not_json_is_422(client, tokens, at_signoff):
    response = client.post(f"{API}/tasks/{at_signoff}/complete", data="decision=approved",
                           content_type="application/x-www-form-urlencoded", headers=auth(tokens["emma"]))
    errors_of(response, 422)
    response = client.post(f"{API}/tasks/{at_signoff}/complete", data="{not json",
                           content_type="application/json", headers=auth(tokens["emma"]))
    errors_of(response, 422)
    assert still_ready(client, tokens["emma"], at_signoff)


@pytest.mark.parametrize("data", [["approved"], "approved", None, 1])
def test_data_that_is_not_an_object_names_data(client, tokens, at_signoff, data):
    assert fields(post_answers(client, tokens["emma"], at_signoff, data)) == ["data"]


@pytest.mark.parametrize("body, field", [
    ({"title": "Recording", "department": "Cardiology"}, "department"),
    ({"title": "", "department": "Ultrasound"}, "title"),
    ({"title": "   ", "department": "Ultrasound"}, "title"),
    ({"title": "x" * 201, "department": "Ultrasound"}, "title"),
])
def test_a_bad_new_policy_names_the_field(client, tokens, body, field):
    response = client.post(f"{API}/policies", json=body, headers=auth(tokens["mary"]))
    assert fields(response) == [field]


def test_completing_a_task_twice_is_409_and_recorded_once(client, tokens, signoff):
    policy_id, task_id = signoff
    answers = answers_for("employer_signoff.schema.json")
    assert post_answers(client, tokens["emma"], task_id, answers).status_code == 200
    errors_of(post_answers(client, tokens["emma"], task_id, answers), 409)
    assert completions(client, tokens["emma"], policy_id, "employer_signoff") == 1


def test_two_simultaneous_completions_of_one_task_give_one_200_and_one_409(app, services, tokens, signoff):
    """The same employer submits from two devices at once: the task is completed exactly once."""
    policy_id, task_id = signoff
    barrier, statuses = threading.Barrier(2), []

    def submit(token: str) -> None:
        client = app.test_client()
        barrier.wait()
        response = post_answers(client, token, task_id, answers_for("employer_signoff.schema.json"))
        statuses.append(response.status_code)

    threads = [threading.Thread(target=submit, args=(token,))
               for token in (tokens["emma"], services.accounts.create_token("emma"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]
    assert completions(app.test_client(), tokens["emma"], policy_id, "employer_signoff") == 1


def test_a_query_parameter_a_call_does_not_take_is_refused_by_name(client, tokens):
    response = client.get(f"{API}/tasks?limt=10", headers=auth(tokens["mary"]))
    assert errors_of(response, 422)[0] == {
        "field": "limt", "message": "'limt' is not a query parameter of this call; it takes limit, offset."}
    assert client.get(f"{API}/tasks?limit=10&offset=0", headers=auth(tokens["mary"])).status_code == 200


@pytest.mark.parametrize("path", ["/policies?limit=1&limit=2", "/tasks?offset=0&offset=0&limit=3"])
def test_a_query_parameter_given_twice_is_refused_by_name(client, tokens, path):
    name = "limit" if "limit=1&" in path else "offset"
    assert errors_of(client.get(f"{API}{path}", headers=auth(tokens["mary"])), 422) == [
        {"field": name, "message": f"'{name}' is given 2 times; give it once."}]


@pytest.mark.parametrize("path, body", [
    ("/policies", {"title": "Recording", "department": "Ultrasound", "owner": "mary"}),
    ("/tasks/{task}/complete", {"data": {}, "comment": "x"}),
    ("/tasks/{task}/draft", {"data": {}, "comment": "x"}),
    ("/policies/{policy}/incidents", {"occurred_on": "2026-01-01", "description": "x", "action_taken": "y",
                                      "patient_name": "someone"}),
])
def test_a_body_field_a_call_does_not_take_is_refused_by_name(client, services, people, tokens, path, body):
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    task = task_of(services, people["mary"], "draft_policy")
    extra = sorted(set(body) - {"title", "department", "data", "occurred_on", "description", "action_taken"})
    response = client.post(API + path.format(task=task["id"], policy=policy_id), json=body,
                           headers=auth(tokens["mary"]))
    assert fields(response) == extra
    assert services.queries.policy(people["mary"], policy_id)["ready_tasks"][0]["id"] == task["id"]  # nothing ran


def test_the_openapi_document_says_request_bodies_take_no_other_fields(client, tokens):
    document = client.get(f"{API}/openapi.json", headers=auth(tokens["mary"])).get_json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody")
            for content in (body["content"].values() if body else []):
                schema = content["schema"]
                if "$ref" in schema:
                    schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
                assert schema["additionalProperties"] is False, (method, path)
            if not body and method != "get":  # a call that takes no body refuses one with fields
                assert "422" in operation["responses"], (method, path)


def test_a_call_that_takes_no_body_refuses_one_with_fields_by_name(client, services, people, tokens, at_signoff):
    emma = auth(tokens["emma"])
    refused = client.post(f"{API}/tasks/{at_signoff}/claim", json={"note": "mine", "until": "Friday"}, headers=emma)
    assert errors_of(refused, 422) == [
        {"field": "note", "message": "'note' is not a field of this call; it takes no body."},
        {"field": "until", "message": "'until' is not a field of this call; it takes no body."}]
    assert client.get(f"{API}/tasks/{at_signoff}", headers=emma).get_json()["claimed_by"] is None  # nothing done
    text = client.post(f"{API}/tasks/{at_signoff}/claim", data="please", content_type="text/plain", headers=emma)
    assert errors_of(text, 422) == [{"field": None,
                                     "message": "This call takes no body; send none (or an empty JSON object)."}]
    assert client.post(f"{API}/tasks/{at_signoff}/claim", json={}, headers=emma).get_json()["claimed_by"] == "emma"
    assert client.post(f"{API}/tasks/{at_signoff}/release", headers=emma).status_code == 200


def test_closing_the_consultation_or_reminding_takes_no_reason(client, services, people, tokens):
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    mary, staff_task = auth(tokens["mary"]), task_of(services, people["kim"], "staff_consultation")["id"]
    closed = client.post(f"{API}/policies/{policy_id}/consultation/close", json={"reason": "Enough answers."},
                         headers=mary)
    assert fields(closed) == ["reason"]
    assert still_ready(client, tokens["kim"], staff_task)  # the consultation is still open
    assert fields(client.post(f"{API}/tasks/{staff_task}/remind", json={"message": "Please"}, headers=mary)) == \
        ["message"]
    assert client.post(f"{API}/tasks/{staff_task}/remind", headers=mary).get_json() == {"reminded": ["kim"]}
    assert client.post(f"{API}/policies/{policy_id}/consultation/close", headers=mary).status_code == 200
    assert not still_ready(client, tokens["kim"], staff_task)


def test_a_translation_takes_only_its_language_and_sections(client, services, people, tokens):
    from tests.lifecycle import to_published

    policy_id = to_published(services, people)
    response = client.post(f"{API}/policies/{policy_id}/translations", headers=auth(tokens["mary"]), json={
        "language": "cy", "sections": {"summary": "Gallwch dynnu llun."}, "translator": "Siân"})
    assert fields(response) == ["translator"]
    assert client.get(f"{API}/policies/{policy_id}/translations", headers=auth(tokens["mary"])).get_json() == []


@pytest.mark.parametrize("query, field", [("limit=0", "limit"), ("limit=501", "limit"), ("limit=ten", "limit"),
                                          ("offset=-1", "offset")])
def test_a_page_outside_the_documented_range_is_refused_by_name(client, tokens, query, field):
    assert fields(client.get(f"{API}/tasks?{query}", headers=auth(tokens["mary"]))) == [field]
