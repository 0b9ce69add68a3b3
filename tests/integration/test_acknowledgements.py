"""After each publication every member of staff reads and acknowledges the policy; the manager
sees who has and has not; staff who join the department later are asked too."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.html import visible_text
from tests.lifecycle import complete, republish_after_full_review, to_published
from tests.web import login, submit
from workflows.errors import InvalidInput
from workflows.storage.schema import OutboxMessage

API = "/api/v1"


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def acknowledgements(client, token, policy_id):
    return client.get(f"{API}/policies/{policy_id}/acknowledgements", headers=auth(token))


def test_the_manager_sees_who_has_and_has_not_acknowledged(client, services, people, tokens, clock):
    policy_id = to_published(services, people)
    listed = acknowledgements(client, tokens["mary"], policy_id)
    assert listed.status_code == 200
    assert listed.get_json() == [{"username": name, "acknowledged_at": None, "briefing_requested_at": None}
                                 for name in ("alex", "kim", "sam")]
    clock.advance(hours=3)
    complete(services, people["sam"], "acknowledge_policy")
    rows = {row["username"]: row["acknowledged_at"] for row in acknowledgements(client, tokens["mary"], policy_id).get_json()}
    assert datetime.fromisoformat(rows["sam"]) == clock.now and rows["alex"] is None and rows["kim"] is None


def test_only_the_departments_managers_see_acknowledgements(client, services, people, tokens):
    policy_id = to_published(services, people)
    assert acknowledgements(client, tokens["sam"], policy_id).status_code == 403
    assert acknowledgements(client, tokens["emma"], policy_id).status_code == 403
    assert acknowledgements(client, tokens["olga"], policy_id).status_code == 404


def test_acknowledging_needs_an_answer(services, people):
    to_published(services, people)
    task = next(t for t in services.queries.inbox(people["sam"]) if t["name"] == "acknowledge_policy")
    with pytest.raises(InvalidInput) as refused:
        services.commands.complete(people["sam"], task["id"], {})
    assert refused.value.errors[0].field == "read_and_understood"


def test_a_briefing_request_tells_the_manager_and_keeps_the_task_open(client, services, people, tokens, clock):
    policy_id = to_published(services, people)
    task = next(t for t in services.queries.inbox(people["sam"]) if t["name"] == "acknowledge_policy")
    asked = client.post(f"{API}/tasks/{task['id']}/complete", json={"data": {"read_and_understood": False}},
                        headers=auth(tokens["sam"]))
    assert asked.status_code == 200
    assert [t["id"] for t in services.queries.inbox(people["sam"]) if t["name"] == "acknowledge_policy"] == [task["id"]]
    rows = {r["username"]: r for r in acknowledgements(client, tokens["mary"], policy_id).get_json()}
    assert rows["sam"]["acknowledged_at"] is None and datetime.fromisoformat(rows["sam"]["briefing_requested_at"]) == clock.now
    with services.database.reading() as session:
        mail = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "briefing_requested")).all()
    assert [(m.recipient, m.subject) for m in mail] == [("mary", "sam needs a briefing – Recording during ultrasound")]
    assert "stays open" in mail[0].body and f"/policies/{policy_id}/acknowledgements" in mail[0].body
    clock.advance(days=2)
    complete(services, people["sam"], "acknowledge_policy", read_and_understood=True)
    rows = {r["username"]: r for r in acknowledgements(client, tokens["mary"], policy_id).get_json()}
    assert datetime.fromisoformat(rows["sam"]["acknowledged_at"]) == clock.now


def test_the_acknowledgement_page_shows_the_published_version_and_two_choices(app, services, people, clock):
    policy_id = to_published(services, people)
    task = next(t for t in services.queries.inbox(people["sam"]) if t["name"] == "acknowledge_policy")
    browser = app.test_client()
    login(browser, "sam")
    page = visible_text(browser.get(f"/tasks/{task['id']}").get_data(as_text=True))
    assert "The published policy (version 1)" in page and "current draft" not in page
    assert "I have read and understood it" in page and "I need a briefing first" in page
    asked = submit(browser, f"/tasks/{task['id']}", {"read_and_understood": "false"}, follow_redirects=True)
    assert "Your manager has been told that you need a briefing" in visible_text(asked.get_data(as_text=True))
    manager = app.test_client()
    login(manager, "mary")
    listing = visible_text(manager.get(f"/policies/{policy_id}/acknowledgements").get_data(as_text=True))
    assert "Not yet: asked for a briefing" in listing
    done = submit(browser, f"/tasks/{task['id']}", {"read_and_understood": "true"}, follow_redirects=True)
    assert "is done" in visible_text(done.get_data(as_text=True))


def test_staff_who_join_later_are_asked_and_listed(client, services, people, tokens):
    policy_id = to_published(services, people)
    services.administration.add_person("admin", "nina", PASSWORD, ["staff"], "Ultrasound", "nina@hospital.example")
    nina = services.accounts.authenticate("nina", PASSWORD)
    assert [t["name"] for t in services.queries.inbox(nina)] == ["acknowledge_policy"]
    names = [row["username"] for row in acknowledgements(client, tokens["mary"], policy_id).get_json()]
    assert names == ["alex", "kim", "nina", "sam"]
    # Someone moved into the department later is asked too; a manager added is not.
    services.administration.add_person("admin", "owen", PASSWORD, ["staff"], "Radiography", None)
    services.administration.update_person("admin", "owen", roles=["staff"], department="Ultrasound", email=None,
                                          mail_digest=False)
    services.administration.add_person("admin", "max", PASSWORD, ["manager"], "Ultrasound", None)
    names = [row["username"] for row in acknowledgements(client, tokens["mary"], policy_id).get_json()]
    assert names == ["alex", "kim", "nina", "owen", "sam"]


def test_new_staff_are_also_consulted_in_the_next_cycle(services, people, clock):
    """The department's current staff is brought into the workflow with each step."""
    policy_id = to_published(services, people)
    services.administration.add_person("admin", "nina", PASSWORD, ["staff"], "Ultrasound", None)
    clock.now = services.queries.policy(people["mary"], policy_id)["next_review_at"] + timedelta(hours=1)
    services.commands.fire_due_timers()
    complete(services, people["mary"], "review_policy", outcome="full_review")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    nina = services.accounts.authenticate("nina", PASSWORD)
    assert "staff_consultation" in [t["name"] for t in services.queries.inbox(nina)]


def test_a_new_publication_replaces_the_requests_to_acknowledge_the_old_one(services, people, clock):
    """Only the version in force is to be acknowledged: a new version closes the earlier requests
    (staff are not left with a task for a superseded version, nor the policy with a growing state).
    A review without change republishes the same text (1.1) and asks nobody again, so a full review makes
    the new version here."""
    policy_id = to_published(services, people)
    complete(services, people["sam"], "acknowledge_policy")
    first = {t["id"] for name in ("alex", "kim") for t in services.queries.inbox(people[name])}
    clock.now = services.queries.policy(people["mary"], policy_id)["next_review_at"] + timedelta(hours=1)
    services.commands.fire_due_timers()
    republish_after_full_review(services, people)
    assert services.queries.policy(people["mary"], policy_id)["published_version"] == "2"
    for name in ("sam", "alex", "kim"):
        [task] = services.queries.inbox(people[name])
        assert task["name"] == "acknowledge_policy" and task["id"] not in first, name
