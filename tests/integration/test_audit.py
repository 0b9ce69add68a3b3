"""The audit trail: every state change, with who, what, when, which data and which diagram version.

Auditors read it to reconstruct how a policy came about, so each completion must
carry the person, the task, exactly what they submitted and the process version
the policy ran on; system actions are attributed to "system"; account changes
are recorded without secrets (no passwords, no token values).
"""
from __future__ import annotations

import calendar
import json
from datetime import date, timedelta

from sqlalchemy import select

from tests.answers import answers_for
from tests.conftest import PASSWORD
from tests.lifecycle import audit_events, complete, task_of
from workflows.engine.specs import load_bundle, read_bundle_directory
from workflows.storage.schema import ApiToken, HumanTask
from workflows.wiring import BPMN_DIR

# (who, task, changes to the valid answers) in the order people act, up to publication
PATH = [
    ("mary", "draft_policy", {}),
    ("mary", "assess_risks", {"duration_likelihood": 4}),
    ("sam", "staff_consultation", {}),
    ("alex", "staff_consultation", {"willing_to_be_filmed": "not_willing", "comments": "Not me, please."}),
    ("kim", "staff_consultation", {}),
    ("pat", "patient_consultation", {}),
    ("eve", "equality_impact", {}),
    ("mary", "reassess_risks", {"duration_likelihood": 4}),  # the form starts from the first assessment
    ("mary", "revise_policy", {}),
    ("gil", "information_governance", {}),
    ("emma", "employer_signoff", {"decision": "changes_requested", "comments": "Name the complaints lead."}),
    ("mary", "revise_policy", {"revision_notes": "Named the complaints lead."}),
    ("gil", "information_governance", {}),
    ("emma", "employer_signoff", {}),
    ("ian", "insurer_signoff", {}),
    ("cora", "ratification", {}),
    ("mary", "publish_policy", {}),
]


def trail(services, people, policy_id) -> list[dict]:
    return services.queries.audit_trail(people["mary"], policy_id)


def walk(services, people, clock, path=PATH) -> tuple[int, list[dict]]:
    """Start a policy and follow ``path`` a minute apart; return its id and what each step submitted."""
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    submitted = []
    for who, element, changes in path:
        at = clock.advance(minutes=1)
        task = task_of(services, people[who], element)
        if "effective_date" in answers_for(task["form"]):
            changes = {"effective_date": at.date().isoformat(), **changes}
        complete(services, people[who], element, **changes)
        submitted.append({"actor": who, "task": element, "task_id": task["id"], "at": at,
                          "data": answers_for(task["form"], **changes)})
    return policy_id, submitted


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day when it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def deploy_changed_diagram(services) -> int:
    """Deploy a second version of the process (a renamed start event); return its version number."""
    diagrams, forms = read_bundle_directory(BPMN_DIR)
    name = "policy_lifecycle.bpmn"
    diagrams[name] = diagrams[name].replace(b'name="Policy needed"', b'name="A policy is needed"')
    version, created = services.processes.deploy(load_bundle(diagrams, forms), "designer")
    assert created
    return version.version


# ----------------------------------------------------------------- policy events

def test_policy_started_is_the_first_event(services, people, clock):
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    [event] = trail(services, people, policy_id)
    assert (event["action"], event["actor"], event["at"]) == ("policy_started", "mary", clock.now)
    assert event["data"] == {"title": "Recording during ultrasound", "department": "Ultrasound"}
    assert event["process_version"] == 1


def test_every_completion_records_actor_task_data_time_and_version(services, people, clock):
    policy_id, submitted = walk(services, people, clock)
    completions = [e for e in trail(services, people, policy_id) if e["action"] == "task_completed"]
    recorded = [{"actor": e["actor"], "task": e["task"], "task_id": e["task_id"], "at": e["at"], "data": e["data"]}
                for e in completions]
    # The manager reads a member of staff's view by name without its comments (theirs unnamed, in the evidence).
    unnamed = lambda step: {**step, "data": {k: v for k, v in step["data"].items() if k != "comments"}}  # noqa: E731
    assert recorded == [unnamed(s) if s["task"] == "staff_consultation" else s for s in submitted]
    assert {e["process_version"] for e in completions} == {1}
    stored = [e.data for e in audit_events(services, action="task_completed", element_id="staff_consultation")]
    assert [d for d in stored if d.get("comments") == "Not me, please."], "the trail itself keeps every answer"


def test_audit_completions_match_the_completed_tasks(services, people, clock):
    """Nothing changes state without an event: each completed task has exactly one completion event."""
    policy_id, _ = walk(services, people, clock)
    with services.database.reading() as session:
        completed = set(session.scalars(select(HumanTask.id).where(HumanTask.policy_id == policy_id,
                                                                    HumanTask.state == "completed")))
    events = [e["task_id"] for e in trail(services, people, policy_id) if e["action"] == "task_completed"]
    assert sorted(events) == sorted(completed)


def test_publication_and_timer_events(services, people, clock):
    policy_id, submitted = walk(services, people, clock)
    published = [e for e in trail(services, people, policy_id) if e["action"] == "policy_published"]
    assert [(e["actor"], e["data"]["version"], e["data"]["effective_date"]) for e in published] == [
        ("mary", 1, submitted[-1]["data"]["effective_date"])]
    review_date = date.fromisoformat(published[0]["data"]["review_due"][:10])
    review_opens = services.queries.policy(people["mary"], policy_id)["next_review_at"]
    # The review opens ahead of the review date, by the publication's reviewLeadTime (three months).
    assert review_opens.date() == months_before(review_date, 3)

    clock.now = review_opens - timedelta(days=1)
    services.commands.fire_due_timers(clock.now)
    assert [e for e in trail(services, people, policy_id) if e["action"] == "timer_fired"] == []
    clock.now = review_opens
    services.commands.fire_due_timers(clock.now)
    fired = [e for e in trail(services, people, policy_id) if e["action"] == "timer_fired"]
    assert [(e["actor"], e["data"], e["at"], e["process_version"]) for e in fired] == [
        ("system", {"timers": ["review_due"]}, review_opens, 1)]


def test_policies_keep_the_version_they_started_on(services, people, clock):
    """After a new diagram version is deployed, old policies' events still say version 1."""
    old_policy = services.commands.start(people["mary"], "Started on version one", "Ultrasound")
    new_version = deploy_changed_diagram(services)
    new_policy = services.commands.start(people["mary"], "Started on version two", "Ultrasound")
    for task in services.queries.inbox(people["mary"]):  # both drafts, so both policies log a completion
        services.commands.complete(people["mary"], task["id"], answers_for(task["form"]))
    versions = {pid: {e["process_version"] for e in trail(services, people, pid)} for pid in (old_policy, new_policy)}
    assert versions == {old_policy: {1}, new_policy: {new_version}}
    assert new_version == 2
    [deployed] = [e for e in audit_events(services, action="process_deployed") if e.actor == "designer"]
    assert deployed.data["version"] == new_version


# ----------------------------------------------------------------- accounts

def test_user_added_is_recorded_without_the_password(services, people):
    added = {e.data["username"]: e for e in audit_events(services, action="user_added")}
    assert set(added) == set(people)
    assert added["sam"].data == {"username": "sam", "roles": ["staff"], "department": "Ultrasound"}
    assert added["emma"].actor == "system"
    assert all(PASSWORD not in json.dumps(e.data) for e in added.values())


def test_token_created_is_recorded_and_the_token_is_stored_nowhere(services, people):
    token = services.accounts.create_token("emma", actor="admin_alice")
    [event] = audit_events(services, action="token_created")
    [listed] = services.accounts.tokens_of("emma")
    assert (event.actor, event.data) == ("admin_alice", {"username": "emma", "token_id": listed.id,
                                                         "expires_at": listed.expires_at.isoformat()})
    everything = json.dumps([e.data for e in audit_events(services)])
    assert token not in everything
    with services.database.reading() as session:
        stored = [row.token_hash for row in session.scalars(select(ApiToken))]
    assert stored and token not in stored
    assert services.accounts.by_token(token).username == "emma", "the token still works from its hash"


def test_staff_answers_carry_names_only_for_the_policys_managers(services, people, client, tokens):
    """The consultation form promises answers are never shown with names: the audit trail, its API and
    the policy page show the employer (and staff) that a member of staff answered, not who or what."""
    from tests.lifecycle import to_signoff

    policy_id = to_signoff(services, people)
    for reader in ("emma", "sam", "alex"):
        events = services.queries.audit_trail(people[reader], policy_id)
        staff = [e for e in events if e["task"] == "staff_consultation"]
        assert len(staff) == 3 and {e["actor"] for e in staff} == {"a member of staff"}
        assert all(e["data"] is None for e in staff)
        served = client.get(f"/api/v1/policies/{policy_id}/audit", headers={"Authorization": f"Bearer {tokens[reader]}"})
        assert served.status_code == 200
        text = json.dumps(served.get_json())
        assert not any(name in text for name in ("sam", "alex", "kim", "Not me")), text
    managed = [e for e in services.queries.audit_trail(people["mary"], policy_id) if e["task"] == "staff_consultation"]
    assert sorted(e["actor"] for e in managed) == ["alex", "kim", "sam"]
    assert any(e["data"]["willing_to_be_filmed"] == "not_willing" for e in managed)


def test_the_policy_page_timeline_names_no_staff_member_to_a_reviewer(services, people, client):
    from tests.lifecycle import to_signoff
    from tests.web import login

    policy_id = to_signoff(services, people)
    login(client, "emma")
    page = client.get(f"/policies/{policy_id}").get_data(as_text=True)
    assert "a member of staff" in page
    assert not any(name in page for name in ("sam", "alex", "kim"))


def test_the_managers_audit_names_staff_with_their_preferences_but_never_with_their_comments(
        services, people, client, tokens):
    """The consultation's comments reach the manager, like every reviewer, unnamed in the evidence; the
    audit trail, its API and CSV name who answered with the preference (for rotas), not with the comment."""
    from tests.lifecycle import to_signoff
    from tests.web import login

    policy_id = to_signoff(services, people)
    events = client.get(f"/api/v1/policies/{policy_id}/audit", headers={"Authorization": f"Bearer {tokens['mary']}"})
    said = {e["actor"]: e["data"] for e in events.get_json() if e["task"] == "staff_consultation"}
    assert said["alex"]["willing_to_be_filmed"] == "not_willing"
    assert all("comments" not in data for data in said.values()), said
    login(client, "mary")
    csv = client.get(f"/policies/{policy_id}/audit.csv").get_data(as_text=True)
    assert "alex" in csv and "I do not want to be filmed." not in csv
    evidence = services.queries.task_page(people["emma"], task_of(services, people["emma"], "employer_signoff")["id"])
    assert "I do not want to be filmed." in evidence.context.consultation.staff_comments
