"""“Save and continue later”: partial answers kept beside a task, brought back on its page and in
the API, never validated or run through the workflow, and only for whoever may complete the task."""
from __future__ import annotations

import json
import re
from pathlib import Path

from tests.html import visible_text
from tests.lifecycle import audit_events, complete, task_of
from tests.web import login, submit

API = "/api/v1"

DRAFT_FORM = json.loads((Path(__file__).resolve().parents[2] / "bpmn" / "forms" / "draft_policy.schema.json").read_text())


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def draft_task(services, people) -> dict:
    services.commands.start(people["mary"], "Recording during scans", "Ultrasound")
    return task_of(services, people["mary"], "draft_policy")


def test_saved_answers_come_back_on_the_page_and_nothing_is_completed(app, services, people, clock):
    task = draft_task(services, people)
    browser = app.test_client()
    login(browser, "mary")
    url = f"/tasks/{task['id']}"
    saved = submit(browser, url, {"purpose": "Half written", "decision": "permitted", "review_interval_months": "6",
                                  "action": "save"}, follow_redirects=True)
    page = visible_text(saved.get_data(as_text=True))
    assert "Your answers are saved." in page and "are filled in below" in page
    html = saved.get_data(as_text=True)
    assert re.search(r'<textarea id="purpose"[^>]*>Half written</textarea>', html)
    assert re.search(r'name="decision" value="permitted" checked', html)
    assert re.search(r'id="review_interval_months"[^>]*value="6"', html)

    assert task_of(services, people["mary"], "draft_policy")["id"] == task["id"], "the task still waits"
    assert audit_events(services, action="task_completed") == []
    [event] = audit_events(services, action="answers_saved")
    assert (event.actor, event.task_id, event.data) == ("mary", task["id"], None)


def test_the_api_saves_and_returns_a_draft_without_validating_it(client, services, people, tokens):
    task = draft_task(services, people)
    mary = auth(tokens["mary"])
    saved = client.post(f"{API}/tasks/{task['id']}/draft", json={"data": {"purpose": "Started", "scope": []}},
                        headers=mary)
    assert saved.status_code == 200
    assert saved.get_json()["data"] == {"purpose": "Started", "scope": []} and saved.get_json()["saved_by"] == "mary"
    shown = client.get(f"{API}/tasks/{task['id']}", headers=mary).get_json()
    assert shown["draft"]["data"] == {"purpose": "Started", "scope": []}
    defaults = {name: field["default"] for name, field in DRAFT_FORM["properties"].items() if "default" in field}
    assert defaults and shown["values"] == defaults, "the form's own starting answers stay apart"
    assert services.queries.policy(people["mary"], task["policy_id"])["draft"] == {}, "the workflow never saw it"


def test_only_the_person_who_may_complete_a_task_may_save_or_see_its_answers(client, services, people, tokens):
    services.commands.start(people["mary"], "Recording during scans", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    alex_task = task_of(services, people["alex"], "staff_consultation")["id"]
    assert client.post(f"{API}/tasks/{alex_task}/draft", json={"data": {"comments": "Mine."}},
                       headers=auth(tokens["alex"])).status_code == 200
    for other, status in (("sam", 403), ("mary", 403), ("olga", 404)):
        refused = client.post(f"{API}/tasks/{alex_task}/draft", json={"data": {"comments": "Not mine."}},
                              headers=auth(tokens[other]))
        assert refused.status_code == status, other
        assert client.get(f"{API}/tasks/{alex_task}", headers=auth(tokens[other])).status_code == status
    assert client.get(f"{API}/tasks/{alex_task}", headers=auth(tokens["alex"])).get_json()["draft"]["data"] == {
        "comments": "Mine."}


def test_bad_saved_answers_are_refused_with_a_reason(client, services, people, tokens):
    task = draft_task(services, people)
    mary, url = auth(tokens["mary"]), f"{API}/tasks/{task['id']}/draft"
    unknown = client.post(url, json={"data": {"purpose": "x", "nickname": "y"}}, headers=mary)
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"] == [{"field": "nickname", "message": "nickname is not a field of this form."}]
    not_object = client.post(url, json={"data": ["purpose"]}, headers=mary)
    assert not_object.status_code == 422 and not_object.get_json()["errors"][0]["field"] == "data"
    huge = client.post(url, json={"data": {"purpose": "x" * 300_000}}, headers=mary)
    assert huge.status_code == 422 and "at most 200 kB" in huge.get_json()["errors"][0]["message"]
    surrogate = client.post(url, data='{"data": {"purpose": "\\ud800"}}', content_type="application/json", headers=mary)
    assert surrogate.status_code == 422 and surrogate.get_json()["errors"][0]["field"] == "purpose"


def test_completing_the_task_clears_its_saved_answers_and_saving_after_is_a_conflict(client, services, people,
                                                                                      tokens):
    task = draft_task(services, people)
    mary, url = auth(tokens["mary"]), f"{API}/tasks/{task['id']}/draft"
    assert client.post(url, json={"data": {"purpose": "Early"}}, headers=mary).status_code == 200
    complete(services, people["mary"], "draft_policy")
    late = client.post(url, json={"data": {"purpose": "Late"}}, headers=mary)
    assert late.status_code == 409
    from workflows.storage.schema import HumanTask
    with services.database.reading() as session:
        assert session.get(HumanTask, task["id"]).saved_answers is None
