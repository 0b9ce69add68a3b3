"""Incidents (guidance item vii): staff report a recording made without permission; the manager
reviews it and may start an early review; managers and risk management read the reports."""
from __future__ import annotations

import pytest

from tests.html import visible_text
from tests.lifecycle import complete, task_of, to_published
from tests.web import login, submit

API = "/api/v1"
INCIDENT = {"occurred_on": "2026-11-02", "description": "A relative kept filming the screen after being asked to stop.",
            "action_taken": "Scan paused; the lead sonographer spoke to the family; the clip was deleted."}
GOVERNANCE = {"local_reference": "INC-2026-0412", "category": "screen_photo", "harm": "low", "support_offered": True,
              "support_details": "Debrief with the lead the same day.", "escalated_to": ["security", "information_governance"],
              "other_patients_captured": False}


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def published(services, people, clock):
    clock.now = clock.now.replace(year=2026, month=11, day=20)
    return to_published(services, people)


def report(client, token, policy_id, body=INCIDENT):
    return client.post(f"{API}/policies/{policy_id}/incidents", json=body, headers=auth(token))


def test_staff_report_an_incident_and_the_manager_gets_a_review_task(client, services, people, tokens, published):
    reported = report(client, tokens["sam"], published)
    assert reported.status_code == 201
    incident = reported.get_json()
    assert {k: incident[k] for k in INCIDENT} == INCIDENT and incident["reported_by"] == "sam"
    task = task_of(services, people["mary"], "review_incident")
    page = services.queries.task_page(people["mary"], task["id"])
    assert INCIDENT["description"] in page.instructions and INCIDENT["action_taken"] in page.instructions
    assert [i.description for i in page.context.incidents] == [INCIDENT["description"]]
    assert services.queries.policy(people["mary"], published)["status"] == "published", "a review task does not reopen it"


def test_an_incident_review_can_start_an_early_review_that_lists_the_incidents(services, people, published, client,
                                                                               tokens):
    report(client, tokens["sam"], published)
    report(client, tokens["kim"], published, {**INCIDENT, "description": "Staff were filmed during a scan."})
    first = task_of(services, people["mary"], "review_incident")
    services.commands.complete(people["mary"], first["id"], {"decision": "early_review", "notes": "Notices missing."})
    review = task_of(services, people["mary"], "review_policy")
    page = services.queries.task_page(people["mary"], review["id"])
    assert [i.reported_by for i in page.context.incidents] == ["sam", "kim"]
    assert services.queries.policy(people["mary"], published)["status"] == "under_review"


def test_only_managers_and_risk_management_read_incidents(client, services, people, tokens, published):
    report(client, tokens["sam"], published)
    for name in ("mary", "emma"):
        listed = client.get(f"{API}/policies/{published}/incidents", headers=auth(tokens[name]))
        assert listed.status_code == 200 and [i["reported_by"] for i in listed.get_json()] == ["sam"], name
    for name in ("sam", "ian", "pat"):
        assert client.get(f"{API}/policies/{published}/incidents", headers=auth(tokens[name])).status_code == 403, name
    assert client.get(f"{API}/policies/{published}/incidents", headers=auth(tokens["olga"])).status_code == 404


def test_the_timeline_names_who_reported_an_incident_only_to_those_who_read_incidents(client, tokens, published):
    """The timeline says an incident was reported; who reported it (often the member of staff who was
    filmed) is for the incidents' readers, as the incidents are."""
    report(client, tokens["kim"], published)
    for name, named in (("mary", True), ("emma", True), ("sam", False), ("ian", False), ("pat", False)):
        trail = client.get(f"{API}/policies/{published}/audit?limit=500", headers=auth(tokens[name])).get_json()
        [reported] = [e for e in trail if e["action"] == "incident_reported"]
        assert reported["actor"] == ("kim" if named else "a member of staff"), name
        assert ("kim" in str(trail)) == named, name


def test_who_may_report(client, tokens, published):
    assert report(client, tokens["mary"], published).status_code == 201
    for name in ("emma", "pat", "ian"):
        assert report(client, tokens[name], published).status_code == 403, name
    assert report(client, tokens["olga"], published).status_code == 404


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"occurred_on": ""}, "occurred_on", "When it happened is required."),
    ({"occurred_on": "02/11/2026"}, "occurred_on", "must be a date"),
    ({"occurred_on": "2027-01-01"}, "occurred_on", "cannot be in the future"),
    ({"description": "  "}, "description", "What happened is required."),
    ({"action_taken": "x" * 5001}, "action_taken", "at most 5000 characters"),
    ({"description": 12}, "description", "What happened is required."),
    ({"category": "selfie"}, "category", "must be one of: screen_photo, filming_staff"),
    ({"harm": "catastrophic"}, "harm", "must be one of: none, low, moderate, severe"),
    ({"escalated_to": ["press"]}, "escalated_to", "press is not one of security"),
    ({"escalated_to": "police"}, "escalated_to", "must be a list"),
    ({"support_offered": "yes"}, "support_offered", "answer yes or no"),
    ({"support_offered": True}, "support_details", "What support is required."),
    ({"local_reference": "x" * 101}, "local_reference", "at most 100 characters"),
])
def test_a_report_with_a_missing_or_wrong_field_is_refused_by_name(client, services, tokens, published, change,
                                                                   field, message):
    refused = report(client, tokens["sam"], published, {**INCIDENT, **change})
    assert refused.status_code == 422
    errors = refused.get_json()["errors"]
    assert errors[0]["field"] == field and message in errors[0]["message"]
    assert client.get(f"{API}/policies/{published}/incidents", headers=auth(tokens["mary"])).get_json() == []


def test_the_api_carries_the_governance_fields_and_still_takes_a_report_without_them(client, tokens, published):
    full = report(client, tokens["sam"], published, {**INCIDENT, **GOVERNANCE})
    assert full.status_code == 201 and {k: full.get_json()[k] for k in GOVERNANCE} == GOVERNANCE
    short = report(client, tokens["kim"], published)
    assert short.status_code == 201
    assert {k: short.get_json()[k] for k in GOVERNANCE} == {**{k: None for k in GOVERNANCE}, "escalated_to": []}
    listed = client.get(f"{API}/policies/{published}/incidents", headers=auth(tokens["mary"])).get_json()
    assert [i["reported_by"] for i in listed] == ["kim", "sam"]
    assert {k: listed[1][k] for k in GOVERNANCE} == GOVERNANCE and listed[0]["category"] is None


def test_the_report_page_asks_for_no_patient_details_and_records_the_report(app, services, people, published):
    browser = app.test_client()
    login(browser, "sam")
    form = visible_text(browser.get(f"/policies/{published}/incidents/new").get_data(as_text=True))
    assert "Do not identify the patient" in form and "hospital or NHS numbers" in form
    assert "Local incident reference" in form and "Was the staff member who was recorded offered support?" in form
    only_todays = submit(browser, f"/policies/{published}/incidents/new", INCIDENT)
    asked = visible_text(only_todays.get_data(as_text=True))
    assert only_todays.status_code == 422
    for message in ("Local incident reference is required.", "What kind of recording was it? is required.",
                    "Harm is required.", "Was the staff member who was recorded offered support? is required.",
                    "Escalated to is required", "Could the recording include other patients? is required."):
        assert message in asked, message
    answers = {**INCIDENT, "local_reference": "INC-2026-0412", "category": "filming_staff", "harm": "moderate",
               "support_offered": "true", "support_details": "Occupational health referral offered.",
               "escalated_to": ["security", "police"], "other_patients_captured": "true"}
    empty = submit(browser, f"/policies/{published}/incidents/new", {**answers, "description": ""})
    assert empty.status_code == 422 and "What happened is required." in visible_text(empty.get_data(as_text=True))
    done = submit(browser, f"/policies/{published}/incidents/new", answers, follow_redirects=True)
    assert "the incident is recorded" in visible_text(done.get_data(as_text=True))
    not_escalated = {**answers, "escalated_to": [], "not_escalated": "true", "support_offered": "false",
                     "support_details": "", "other_patients_captured": "false", "category": "audio"}
    assert submit(browser, f"/policies/{published}/incidents/new", not_escalated).status_code == 302
    manager = app.test_client()
    login(manager, "mary")
    listing = visible_text(manager.get(f"/policies/{published}/incidents/").get_data(as_text=True))
    assert INCIDENT["description"] in listing and "by sam" in listing
    for shown in ("INC-2026-0412", "Filming or photographing staff", "Moderate: distress needing support",
                  "Offered: Occupational health referral offered.", "Security, Police",
                  "Yes: information governance should know", "Audio recording", "Not offered", "Not escalated"):
        assert shown in listing, shown
    task = task_of(services, people["mary"], "review_incident")
    evidence = visible_text(manager.get(f"/tasks/{task['id']}").get_data(as_text=True))
    assert "Filming or photographing staff" in evidence and "INC-2026-0412" in evidence and "Security, Police" in evidence
    complete(services, people["mary"], "review_incident")
