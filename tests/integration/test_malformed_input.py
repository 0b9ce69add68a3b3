"""Malformed input answers 404 or 422 with a message, never a 500, on SQLite and PostgreSQL.

Each case here was once a 500: an id past the database's integer range, a JSON body
nested 50,000 deep, a lone surrogate or a NUL character in a title (PostgreSQL text
holds neither), ``"data": []``. Addresses are checked by their converters, so the id
tests walk every route the app has; a future route with an id is covered (or fails
here) without being listed. Nothing refused may be stored, and nothing refused is
logged as an error for the operator.
"""
from __future__ import annotations

import json
import re

import pytest
from werkzeug.routing import IntegerConverter

from tests.answers import answers_for
from tests.html import visible_text
from tests.lifecycle import complete, task_of
from tests.web import csrf_token, login
from webapp.plumbing.converters import LARGEST_ID, DatabaseId, TaskId

API = "/api/v1"
TOO_LARGE = ["99999999999999999999999", str(LARGEST_ID + 1), "9223372036854775808", "0"]
NOT_TASK_IDS = ["x" * 10_000, "no-such-task", "12345", "0b0e6a2c-5f1d-4c55-9d8e-2f6e1f3a4b5c0"]


pytestmark = pytest.mark.usefixtures("no_error_logged")


@pytest.fixture
def store_app(store_services, tmp_path, monkeypatch):
    """The app of the ``app`` fixture, once on SQLite and once on PostgreSQL."""
    from webapp import create_app

    monkeypatch.chdir(tmp_path)
    return create_app({"TESTING": True}, services=store_services)


@pytest.fixture
def client(store_app):
    return store_app.test_client()


@pytest.fixture
def tokens(store_services, store_people) -> dict:
    return {name: store_services.accounts.create_token(name) for name in ("mary", "sam")}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def message_of(response, status: int) -> str:
    """The refusal's message (JSON error or page), after checking its status; never a traceback."""
    text = response.get_data(as_text=True)
    assert response.status_code == status, (response.status_code, text[:500])
    assert "Traceback" not in text
    if response.is_json:
        errors = response.get_json()["errors"]
        assert errors and all(set(e) == {"field", "message"} and e["message"] for e in errors), errors
        return " ".join(e["message"] for e in errors)
    return visible_text(text)


def field_errors(response) -> dict:
    message_of(response, 422)
    return {e["field"]: e["message"] for e in response.get_json()["errors"]}


def rules_with(app, converter: type) -> list:
    return [rule for rule in app.url_map.iter_rules()
            if any(isinstance(c, converter) for c in rule._converters.values())]


def address(rule, value: str) -> str:
    """The rule's address with ``value`` for each variable part (a choice of words takes its first word)."""
    def part(found) -> str:
        choices = re.match(r"<any\(([^)]*)\):", found.group(0))
        return choices.group(1).split(",")[0].strip() if choices else value
    return re.sub(r"<[^>]+>", part, rule.rule)


def ask(client, rule, url: str, token: str):
    """Every method the rule answers, as a signed-in manager with a token (pages need a CSRF token)."""
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
        form = {"csrf_token": csrf_token(client, "/policies/new")} if method == "POST" else None
        yield method, client.open(url, method=method, headers=bearer(token), data=form)


# ----------------------------------------------------------------- ids in addresses

def test_every_integer_in_an_address_is_a_bounded_database_id(store_app):
    rules = rules_with(store_app, IntegerConverter)
    assert len(rules) >= 6, [r.rule for r in rules]
    unbounded = [r.rule for r in rules if not all(isinstance(c, DatabaseId) for c in r._converters.values()
                                                  if isinstance(c, IntegerConverter))]
    assert not unbounded, f"use <id:…> for ids: {unbounded}"


def test_an_id_outside_the_databases_range_is_404_with_a_message(store_app, client, tokens):
    login(client, "mary")
    for value in TOO_LARGE:
        for rule in rules_with(store_app, DatabaseId):
            for method, response in ask(client, rule, address(rule, value), tokens["mary"]):
                assert "numbered" in message_of(response, 404), (method, rule.rule, value)


def test_a_task_id_that_is_not_uuid_shaped_is_404_with_a_message(store_app, client, tokens):
    login(client, "mary")
    rules = rules_with(store_app, TaskId)
    assert len(rules) >= 3, [r.rule for r in rules]
    for value in NOT_TASK_IDS:
        for rule in rules:
            for method, response in ask(client, rule, address(rule, value), tokens["mary"]):
                assert "There is no task" in message_of(response, 404), (method, rule.rule, value[:50])


def test_a_task_id_in_capitals_is_the_same_task(client, store_services, store_people, tokens):
    store_services.commands.start(store_people["mary"], "Recording", "Ultrasound")
    task_id = task_of(store_services, store_people["mary"], "draft_policy")["id"]
    response = client.get(f"{API}/tasks/{task_id.upper()}", headers=bearer(tokens["mary"]))
    assert response.status_code == 200 and response.get_json()["id"] == task_id


# ----------------------------------------------------------------- JSON bodies

def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def new_policy_json(title: str = '"Recording"', department: str = '"Ultrasound"') -> bytes:
    return f'{{"title": {title}, "department": {department}}}'.encode()


UNREADABLE_BODIES = {
    "50000-deep": (new_policy_json(title=nested(50_000)), "too deeply"),
    "20-deep": (new_policy_json(title=nested(20)), "too deeply"),
    "latin-1": ('{"title": "Caf\xe9", "department": "Ultrasound"}'.encode("latin-1"), "not UTF-8"),
    "utf-16": ('{"title": "Recording"}'.encode("utf-16"), "not UTF-8"),
    "nan": (new_policy_json(title="NaN"), "not valid JSON"),
    "infinite": (new_policy_json(title="1e999"), "not valid JSON"),
    "truncated": (b'{"title": "Recording", ', "not valid JSON"),
    "null": (b"null", "must be a JSON object"),
    "array": (b'["Recording", "Ultrasound"]', "must be a JSON object"),
    "string": (b'"Recording"', "must be a JSON object"),
    "surrogate-in-a-name": (b'{"\\ud800": 1, "title": "Recording", "department": "Ultrasound"}', "field name"),
}


def test_a_body_that_cannot_be_read_is_422_and_starts_nothing(client, store_services, store_people, tokens):
    for case, (body, words) in UNREADABLE_BODIES.items():
        response = client.post(f"{API}/policies", data=body, content_type="application/json",
                               headers=bearer(tokens["mary"]))
        assert words in message_of(response, 422), case
        assert [e["field"] for e in response.get_json()["errors"]] == [None], case
    assert store_services.queries.policies(store_people["mary"]) == []


WRONG_FIELDS = [  # title, department (as JSON), the field named, what its message says
    ('"\\ud800 Recording"', '"Ultrasound"', "title", "lone surrogate (U+D800)"),
    ('"Record\\u0000ing"', '"Ultrasound"', "title", "NUL character"),
    ('"Recording"', '"Ultra\\udfffsound"', "department", "lone surrogate (U+DFFF)"),
    ("5", '"Ultrasound"', "title", "must be text"),
    ('{"text": "Recording"}', '"Ultrasound"', "title", "must be text"),
    ('"Recording"', "null", "department", "must be text"),
    ('"Recording"', '["Ultrasound"]', "department", "must be text"),
]


def test_a_field_of_the_wrong_kind_is_422_naming_it_and_stores_nothing(client, store_services, store_people, tokens):
    for title, department, field, words in WRONG_FIELDS:
        response = client.post(f"{API}/policies", data=new_policy_json(title, department),
                               content_type="application/json", headers=bearer(tokens["mary"]))
        errors = field_errors(response)
        assert list(errors) == [field] and words in errors[field], (title, department, errors)
    assert store_services.queries.policies(store_people["mary"]) == []


@pytest.fixture
def staff_task(store_services, store_people) -> str:
    """Sam's staff consultation task (a form with a free-text ``comments`` field)."""
    store_services.commands.start(store_people["mary"], "Recording", "Ultrasound")
    complete(store_services, store_people["mary"], "draft_policy")
    complete(store_services, store_people["mary"], "assess_risks")
    return task_of(store_services, store_people["sam"], "staff_consultation")["id"]


WRONG_ANSWERS = [  # "data" (as JSON), the field named, what its message says
    ("[]", "data", "must be a set of fields"),
    ("null", "data", "must be a set of fields"),
    ('"willing"', "data", "must be a set of fields"),
    ('{"willing_to_be_filmed": "willing", "comments": "Fine \\ud83d"}', "comments", "lone surrogate (U+D83D)"),
    ('{"willing_to_be_filmed": "willing", "comments": "Fine\\u0000"}', "comments", "NUL character"),
    ('{"willing_to_be_filmed": "willing", "comments": ["Fine", {"x": "\\u0000"}]}', "x", "NUL character"),
    ('{"willing_to_be_filmed": "willing", "comments": 5}', "comments", "must be text"),
    ('{"willing_to_be_filmed": "willing", "comments": ' + nested(50_000) + "}", None, "too deeply"),
]


def test_answers_that_cannot_be_stored_are_422_naming_the_field(client, store_services, store_people, tokens,
                                                                staff_task):
    for data, field, words in WRONG_ANSWERS:
        response = client.post(f"{API}/tasks/{staff_task}/complete", data=f'{{"data": {data}}}',
                               content_type="application/json", headers=bearer(tokens["sam"]))
        errors = field_errors(response)
        assert list(errors) == [field] and words in errors[field], (data[:80], errors)
    assert task_of(store_services, store_people["sam"], "staff_consultation")["id"] == staff_task


def test_a_body_that_is_not_declared_json_is_422(client, tokens):
    response = client.post(f"{API}/policies", data=json.dumps({"title": "R", "department": "Ultrasound"}),
                           content_type="text/plain", headers=bearer(tokens["mary"]))
    assert "Content-Type: application/json" in message_of(response, 422)


# ----------------------------------------------------------------- HTML form posts

def test_a_nul_in_a_new_policy_title_is_refused_naming_the_field(client, store_services, store_people):
    login(client, "mary")
    response = client.post("/policies/new", data={"title": "Record\x00ing", "department": "Ultrasound",
                                                  "csrf_token": csrf_token(client, "/policies/new")})
    assert "title contains a NUL character" in message_of(response, 422)
    assert store_services.queries.policies(store_people["mary"]) == []


def test_a_nul_in_a_username_at_sign_in_is_refused_not_a_server_error(client, store_people):
    response = client.post("/login", data={"username": "mary\x00", "password": "x",
                                           "csrf_token": csrf_token(client, "/login")})
    assert "username contains a NUL character" in message_of(response, 422)


def test_a_nul_in_a_task_answer_is_refused_and_the_task_stays_open(client, store_services, store_people,
                                                                    staff_task):
    login(client, "sam")
    url = f"/tasks/{staff_task}"
    answers = {**answers_for("staff_consultation.schema.json"), "comments": "Fine\x00"}
    response = client.post(url, data={**answers, "csrf_token": csrf_token(client, url)})
    assert "comments contains a NUL character" in message_of(response, 422)
    assert task_of(store_services, store_people["sam"], "staff_consultation")["id"] == staff_task


def test_an_encoded_surrogate_in_a_form_post_never_reaches_the_database_as_one(client, store_services,
                                                                                store_people):
    """Browsers cannot send a lone surrogate; bytes that try (ED A0 80, not UTF-8) stay percent-encoded."""
    login(client, "mary")
    token = csrf_token(client, "/policies/new")
    response = client.post("/policies/new", data=f"title=Record%ED%A0%80ing&department=Ultrasound&csrf_token={token}",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302
    [policy] = store_services.queries.policies(store_people["mary"])
    assert policy["title"] == "Record%ED%A0%80ing"


def test_a_nul_in_a_query_string_is_refused(client):
    assert "next contains a NUL character" in message_of(client.get("/login?next=%00"), 422)
