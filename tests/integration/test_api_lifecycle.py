"""Every path of a policy's lifecycle driven through the JSON API alone.

Each person acts with their own token and finds their work the way a client
program would: GET /tasks, then GET /tasks/<id> for the form, then POST the
answers. Nothing is done through the services, so these tests prove that the
API on its own is enough to take a policy from draft to publication.
"""
from __future__ import annotations

import html
import re

import pytest
from jsonschema import Draft202012Validator

from tests.answers import answers_for

API = "/api/v1"
STAFF = ("alex", "kim", "sam")
FORM_FILES = {
    "draft_policy": "draft_policy.schema.json", "assess_risks": "risk_assessment.schema.json",
    "staff_consultation": "staff_consultation.schema.json", "patient_consultation": "patient_consultation.schema.json",
    "revise_policy": "revise_policy.schema.json", "employer_signoff": "employer_signoff.schema.json",
    "insurer_signoff": "insurer_signoff.schema.json", "publish_policy": "publish_policy.schema.json",
    "review_policy": "review_policy.schema.json", "equality_impact": "equality_impact.schema.json",
    "reassess_risks": "risk_reassessment.schema.json", "information_governance": "information_governance.schema.json",
    "ratification": "ratification.schema.json",
}


class Caller:
    """One person using the API with their own token, as a client program would."""

    def __init__(self, client, token: str):
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def get(self, path: str):
        response = self.client.get(API + path, headers=self.headers)
        assert response.status_code == 200, (path, response.status_code, response.get_json())
        return response.get_json()

    def post(self, path: str, body: dict, status: int = 200):
        response = self.client.post(API + path, json=body, headers=self.headers)
        assert response.status_code == status, (path, response.status_code, response.get_json())
        return response.get_json()

    def tasks(self, name: str | None = None) -> list[dict]:
        return [t for t in self.get("/tasks") if name is None or t["name"] == name]

    def complete(self, name: str, **changes) -> dict:
        """Complete my only ready ``name`` task with valid answers; return the policy as answered."""
        found = self.tasks(name)
        assert len(found) == 1, f"expected one {name} task, inbox: {self.get('/tasks')}"
        task = self.get(f"/tasks/{found[0]['id']}")
        answers = answers_for(FORM_FILES[task["name"]], **changes)
        # The served form must be the one these answers were written for (it accepts them).
        assert not list(Draft202012Validator(task["form"]).iter_errors(answers)), task["form"].get("title")
        return self.post(f"/tasks/{task['id']}/complete", {"data": answers})


@pytest.fixture
def api(client, tokens) -> dict[str, Caller]:
    return {name: Caller(client, token) for name, token in tokens.items()}


def ready(policy: dict) -> list[str]:
    return sorted(t["name"] for t in policy["ready_tasks"])


def start(api, title="Recording during ultrasound") -> int:
    policy = api["mary"].post("/policies", {"title": title, "department": "Ultrasound"}, status=201)
    assert (policy["title"], policy["department"], policy["status"]) == (title, "Ultrasound", "in_progress")
    assert ready(policy) == ["draft_policy"]
    return policy["id"]


def to_signoff(api, not_willing: str = "alex", summary: str = "Screen images only, by agreement.") -> int:
    """Start a policy and take it through drafting, both consultations and the equality impact assessment,
    the reassessment, the first revision and the information-governance review."""
    policy_id = start(api)
    api["mary"].complete("draft_policy")
    policy = api["mary"].complete("assess_risks")
    assert ready(policy) == ["equality_impact", "patient_consultation"] + ["staff_consultation"] * len(STAFF)
    for name in STAFF:
        answer = "not_willing" if name == not_willing else "willing"
        api[name].complete("staff_consultation", willing_to_be_filmed=answer, comments=f"Comment from {name}.")
    assert ready(api["pat"].complete("patient_consultation")) == ["equality_impact"]
    assert ready(api["eve"].complete("equality_impact")) == ["reassess_risks"]
    assert ready(api["mary"].complete("reassess_risks")) == ["revise_policy"]
    assert ready(api["mary"].complete("revise_policy", summary=summary)) == ["information_governance"]
    assert ready(api["gil"].complete("information_governance")) == ["employer_signoff"]
    return policy_id


def approve(api) -> None:
    """Both sign-offs approve and the committee ratifies: the policy is ready to publish."""
    assert ready(api["emma"].complete("employer_signoff")) == ["insurer_signoff"]
    assert ready(api["ian"].complete("insurer_signoff")) == ["ratification"]
    assert ready(api["cora"].complete("ratification")) == ["publish_policy"]


def publish(api, policy_id: int) -> dict:
    policy = api["mary"].complete("publish_policy")
    assert policy["id"] == policy_id
    return policy


def completions(api, policy_id: int) -> list[tuple[str, str]]:
    """(actor, task) of every completion in the policy's audit trail, in order."""
    return [(e["actor"], e["task"]) for e in api["mary"].get(f"/policies/{policy_id}/audit")
            if e["action"] == "task_completed"]


def test_approved_policy_is_published_and_readable_without_signing_in(api, client):
    text = "Patients may photograph the screen at the end of the scan if the sonographer agrees."
    policy_id = to_signoff(api, summary=text)
    approve(api)
    published = publish(api, policy_id)
    # What remains is each member of staff reading and acknowledging what was published.
    assert (published["status"], ready(published)) == ("published", ["acknowledge_policy"] * len(STAFF))
    assert api["mary"].get(f"/policies/{policy_id}")["status"] == "published"

    page = client.get(f"/published/{policy_id}")
    assert page.status_code == 200
    body = html.unescape(page.get_data(as_text=True))
    assert text in body
    for name in STAFF:
        assert not re.search(rf"\b{name}\b", body, re.IGNORECASE), f"staff member {name} named on the public page"
        assert f"Comment from {name}." not in body


def test_audit_names_each_person_who_completed_a_task(api):
    policy_id = to_signoff(api)
    approve(api)
    publish(api, policy_id)
    done = completions(api, policy_id)
    assert done[:2] == [("mary", "draft_policy"), ("mary", "assess_risks")]
    assert sorted(done[2:7]) == sorted([("pat", "patient_consultation"), ("eve", "equality_impact")]
                                       + [(n, "staff_consultation") for n in STAFF])
    assert done[7:] == [("mary", "reassess_risks"), ("mary", "revise_policy"), ("gil", "information_governance"),
                        ("emma", "employer_signoff"), ("ian", "insurer_signoff"), ("cora", "ratification"),
                        ("mary", "publish_policy")]


def test_employer_changes_send_the_policy_back_for_revision_then_both_signoffs(api, client):
    policy_id = to_signoff(api)
    policy = api["emma"].complete("employer_signoff", decision="changes_requested", comments="Name the lead.")
    assert ready(policy) == ["revise_policy"] and policy["status"] == "in_progress"
    assert api["emma"].tasks() == [] and api["ian"].tasks() == []
    second = "Screen images only; the lead sonographer handles any objection."
    policy = api["mary"].complete("revise_policy", revision_notes="Named the lead.", summary=second)
    assert ready(policy) == ["information_governance"]
    assert ready(api["gil"].complete("information_governance")) == ["employer_signoff"]
    approve(api)
    publish(api, policy_id)
    assert api["mary"].get(f"/policies/{policy_id}")["status"] == "published"
    assert [t for _, t in completions(api, policy_id)].count("revise_policy") == 2
    body = html.unescape(client.get(f"/published/{policy_id}").get_data(as_text=True))
    assert second in body and "Screen images only, by agreement." not in body



def test_insurer_changes_send_the_policy_back_through_both_signoffs(api):
    policy_id = to_signoff(api)
    api["emma"].complete("employer_signoff")
    policy = api["ian"].complete("insurer_signoff", decision="changes_requested", comments="State the cover.")
    assert ready(policy) == ["revise_policy"]
    api["mary"].complete("revise_policy", revision_notes="Stated the cover.")
    api["gil"].complete("information_governance")
    assert [t["name"] for t in api["emma"].tasks()] == ["employer_signoff"]
    assert api["ian"].tasks() == []
    approve(api)
    publish(api, policy_id)
    assert api["mary"].get(f"/policies/{policy_id}")["status"] == "published"
    signoffs = [(a, t) for a, t in completions(api, policy_id) if t.endswith("_signoff")]
    assert signoffs == [("emma", "employer_signoff"), ("ian", "insurer_signoff")] * 2


def test_each_staff_member_sees_only_their_own_consultation_task(api):
    start(api)
    api["mary"].complete("draft_policy")
    api["mary"].complete("assess_risks")
    own = {}
    for name in STAFF:
        tasks = api[name].tasks()
        assert [t["name"] for t in tasks] == ["staff_consultation"], f"{name} sees {tasks}"
        own[name] = tasks[0]["id"]
        assert api[name].get(f"/tasks/{own[name]}")["instructions"].startswith(name)
    assert len(set(own.values())) == len(STAFF)
    assert api["mary"].tasks("staff_consultation") == [] and api["pat"].tasks("staff_consultation") == []

    api["alex"].complete("staff_consultation", willing_to_be_filmed="not_willing", comments="Please not me.")
    assert api["alex"].tasks() == []
    assert [t["id"] for t in api["kim"].tasks()] == [own["kim"]]
    assert [t["id"] for t in api["sam"].tasks()] == [own["sam"]]


def test_a_small_team_is_neither_counted_nor_named_on_the_public_page(api, client):
    """With fewer than five staff, a count could point at the one who said no: the page gives none."""
    policy_id = to_signoff(api, not_willing="kim")
    approve(api)
    publish(api, policy_id)
    body = html.unescape(client.get(f"/published/{policy_id}").get_data(as_text=True))
    assert "asked individually whether they are willing to be filmed" in body
    assert f"{len(STAFF)} members of staff" not in body and "asked not to be filmed" not in body
    assert not re.search(r"\bkim\b", body, re.IGNORECASE)
