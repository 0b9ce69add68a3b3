"""A manager suspends, resumes or withdraws a published policy with a reason; the public pages say
so with the date and reason, the list marks it, and every change is in the audit trail."""
from __future__ import annotations

import pytest

from tests.html import visible_text
from tests.lifecycle import audit_events, republish_unchanged, to_published, to_signoff

API = "/api/v1"


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def post(client, token, path, body=None):
    return client.post(f"{API}{path}", json=body if body is not None else {}, headers=auth(token))


def public(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return visible_text(response.get_data(as_text=True))


@pytest.fixture
def published(services, people):
    return to_published(services, people)


def test_a_withdrawn_policy_keeps_its_last_risk_rating_and_draft(client, services, people, tokens, published):
    before = client.get(f"{API}/policies/{published}", headers=auth(tokens["mary"])).get_json()
    assert (before["risk_rating"], before["risk_rating_initial"]) == ("moderate", "high")  # residual, initial
    post(client, tokens["mary"], f"/policies/{published}/withdraw", {"reason": "Replaced by the trust-wide policy."})
    after = client.get(f"{API}/policies/{published}", headers=auth(tokens["mary"])).get_json()
    assert (after["status"], after["risk_rating"], after["risk_rating_initial"]) == ("withdrawn", "moderate", "high")
    assert after.get("draft", before.get("draft")) == before.get("draft")


def test_withdrawal_is_shown_publicly_and_ends_the_lifecycle(client, services, people, tokens, published, clock):
    answer = post(client, tokens["mary"], f"/policies/{published}/withdraw", {"reason": "Replaced by the trust-wide policy."})
    assert answer.status_code == 200
    policy = answer.get_json()
    assert (policy["status"], policy["withdrawal_reason"], policy["ready_tasks"]) == (
        "withdrawn", "Replaced by the trust-wide policy.", [])
    assert services.queries.inbox(people["sam"]) == [], "the acknowledgements closed"
    page = public(client, f"/published/{published}")
    assert f"This policy was withdrawn on {clock.now:%d %b %Y}" in page
    assert "Replaced by the trust-wide policy." in page
    assert " withdrawn " in public(client, "/published")
    event = audit_events(services, policy_id=published, action="policy_withdrawn")[0]
    assert (event.actor, event.data) == ("mary", {"reason": "Replaced by the trust-wide policy."})
    again = post(client, tokens["mary"], f"/policies/{published}/withdraw", {"reason": "Again."})
    assert again.status_code == 409
    assert services.commands.fire_due_timers(clock.advance(days=800)) == [], "no review of a withdrawn policy"


def test_suspension_is_shown_publicly_until_resumed(client, services, tokens, published, clock):
    suspended = post(client, tokens["mary"], f"/policies/{published}/suspend", {"reason": "Investigating an incident."})
    assert suspended.status_code == 200 and suspended.get_json()["status"] == "suspended"
    page = public(client, f"/published/{published}")
    assert f"This policy has been suspended since {clock.now:%d %b %Y}" in page and "Investigating an incident." in page
    assert " suspended " in public(client, "/published")
    assert post(client, tokens["mary"], f"/policies/{published}/suspend", {"reason": "x"}).status_code == 409

    clock.advance(days=3)
    resumed = post(client, tokens["mary"], f"/policies/{published}/resume", {"reason": "Investigation closed."})
    assert resumed.status_code == 200 and resumed.get_json()["status"] == "published"
    assert "suspended" not in public(client, f"/published/{published}")
    actions = [e.action for e in audit_events(services, policy_id=published)]
    assert actions[-2:] == ["policy_suspended", "policy_resumed"]
    assert post(client, tokens["mary"], f"/policies/{published}/resume").status_code == 409


def test_a_new_version_replaces_a_suspended_one(client, services, people, tokens, published, clock):
    post(client, tokens["mary"], f"/policies/{published}/suspend", {"reason": "Notices were wrong."})
    clock.now = services.queries.policy(people["mary"], published)["next_review_at"]
    services.commands.fire_due_timers(clock.advance(hours=1))
    republish_unchanged(services, people)
    assert services.queries.policy(people["mary"], published)["status"] == "published"
    assert "suspended" not in public(client, f"/published/{published}")
    assert [e.action for e in audit_events(services, policy_id=published)][-1] == "suspension_replaced"


@pytest.mark.parametrize(("who", "path", "body", "status", "message"), [
    ("sam", "withdraw", {"reason": "x"}, 403, "Only a manager of Ultrasound"),
    ("emma", "suspend", {"reason": "x"}, 403, "Only a manager of Ultrasound"),
    ("olga", "withdraw", {"reason": "x"}, 404, "does not exist"),
    ("mary", "withdraw", {}, 422, "Give a reason"),
    ("mary", "suspend", {"reason": "   "}, 422, "Give a reason"),
    ("mary", "suspend", {"reason": 5}, 422, "must be text"),
    ("mary", "withdraw", {"reason": "x" * 2001}, 422, "at most 2000"),
])
def test_refusals_say_why(client, tokens, published, who, path, body, status, message):
    refused = post(client, tokens[who], f"/policies/{published}/{path}", body)
    assert refused.status_code == status and message in refused.get_json()["errors"][0]["message"]


def test_a_policy_not_yet_published_cannot_be_withdrawn(client, services, people, tokens):
    policy_id = to_signoff(services, people)
    refused = post(client, tokens["mary"], f"/policies/{policy_id}/withdraw", {"reason": "Not needed."})
    assert refused.status_code == 409 and "has not been published yet" in refused.get_json()["errors"][0]["message"]
