"""Staff preferences that last (issue 13, part 5): each person's standing preference on being
recorded, per kind of recording; read and changed by themselves (API and /settings), read by
name only by their department's managers; the staff consultation starts from it and updates it,
a new starter's acknowledgement asks it, and a review sees what changed since the consultation."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.answers import answers_for
from tests.conftest import PASSWORD
from tests.lifecycle import audit_events, complete, consult, task_of, to_published
from tests.web import login, submit
from webapp import create_app
from workflows.policies.queries import Page

API = "/api/v1"
CAUTIOUS = {"screen_photos": "willing", "video": "not_willing", "audio": "willing_with_conditions",
            "conditions": "Only when I have said yes at the start."}


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def store_client(store_services, tmp_path, monkeypatch):
    """The app over the store's services (SQLite and PostgreSQL)."""
    monkeypatch.chdir(tmp_path)
    return create_app({"TESTING": True}, services=store_services).test_client()


@pytest.fixture
def store_tokens(store_services, store_people) -> dict:
    return {name: store_services.accounts.create_token(name) for name in store_people}


def test_a_person_reads_and_replaces_their_own_entry_and_each_change_is_audited(store_client, store_tokens,
                                                                                 store_services, clock):
    empty = store_client.get(f"{API}/me/recording-preferences", headers=auth(store_tokens["sam"]))
    assert empty.status_code == 200
    assert empty.get_json() == {"screen_photos": None, "video": None, "audio": None, "conditions": None,
                                "updated_at": None}
    saved = store_client.put(f"{API}/me/recording-preferences", json=CAUTIOUS, headers=auth(store_tokens["sam"]))
    assert saved.status_code == 200
    assert {k: saved.get_json()[k] for k in CAUTIOUS} == CAUTIOUS
    again = store_client.get(f"{API}/me/recording-preferences", headers=auth(store_tokens["sam"])).get_json()
    assert {k: again[k] for k in CAUTIOUS} == CAUTIOUS and again["updated_at"]
    # The same entry again changes nothing and is not audited twice.
    store_client.put(f"{API}/me/recording-preferences", json=CAUTIOUS, headers=auth(store_tokens["sam"]))
    changes = audit_events(store_services, action="recording_preferences_changed")
    assert len(changes) == 1
    assert changes[0].actor == "sam" and changes[0].at == clock.now and changes[0].policy_id is None
    assert changes[0].data["after"] == CAUTIOUS and changes[0].data["before"]["video"] is None
    assert changes[0].data["source"] == "api"


def test_the_api_refuses_unknown_fields_bad_choices_and_missing_conditions(store_client, store_tokens):
    put = lambda body: store_client.put(f"{API}/me/recording-preferences", json=body,  # noqa: E731
                                        headers=auth(store_tokens["sam"]))
    assert put({"video": "maybe"}).status_code == 422
    assert put({"video": "willing", "room": "3"}).status_code == 422
    refused = put({"video": "willing_with_conditions"})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.get_json()["errors"]] == ["conditions"]
    assert store_client.get(f"{API}/me/recording-preferences?limit=2",
                            headers=auth(store_tokens["sam"])).status_code == 422


def test_only_the_departments_managers_read_its_register_by_name(store_client, store_tokens, store_services,
                                                                  store_people):
    store_services.recording_preferences.set_own(store_people["alex"], CAUTIOUS, source="test")
    url = f"{API}/departments/Ultrasound/recording-preferences"
    listed = store_client.get(url, headers=auth(store_tokens["mary"]))
    assert listed.status_code == 200
    rows = listed.get_json()
    assert [row["username"] for row in rows] == ["alex", "kim", "sam"]
    assert set(rows[0]) == {"username", "screen_photos", "video", "audio", "conditions", "updated_at"}
    assert rows[0]["video"] == "not_willing" and rows[1]["video"] is None
    for someone in ("sam", "alex", "emma", "ian", "pat", "olga"):  # staff included, and another department's manager
        assert store_client.get(url, headers=auth(store_tokens[someone])).status_code == 403, someone
    assert store_client.get(f"{url}?limit=1&offset=1", headers=auth(store_tokens["mary"])).get_json()[0][
        "username"] == "kim"
    assert store_client.get(f"{url}?sort=name", headers=auth(store_tokens["mary"])).status_code == 422
    assert store_client.get(f"{API}/departments/Nowhere/recording-preferences",
                            headers=auth(store_tokens["mary"])).status_code in (403, 404)


def test_the_consultation_starts_from_the_entry_and_completing_it_updates_the_entry(store_services, store_people):
    services, people = store_services, store_people
    services.recording_preferences.set_own(people["sam"], CAUTIOUS, source="test")
    services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    task = task_of(services, people["sam"], "staff_consultation")
    page = services.queries.task_page(people["sam"], task["id"])
    assert {k: page.values.get(k) for k in CAUTIOUS} == CAUTIOUS
    assert "willing_to_be_filmed" not in page.values  # the kinds differ: no one overall answer to start with
    services.commands.complete(people["sam"], task["id"], answers_for(
        task["form"], willing_to_be_filmed="not_willing", screen_photos="not_willing", video="not_willing",
        audio="not_willing", conditions=""))
    entry = services.recording_preferences.own(people["sam"])
    assert (entry["screen_photos"], entry["video"], entry["audio"], entry["conditions"]) == (
        "not_willing", "not_willing", "not_willing", None)
    # Someone answering only today's fields gives their overall answer for every kind.
    complete(services, people["kim"], "staff_consultation", willing_to_be_filmed="willing")
    assert services.recording_preferences.own(people["kim"])["video"] == "willing"
    sources = [e.data["source"] for e in audit_events(services, action="recording_preferences_changed")]
    assert sources == ["test", "staff_consultation", "staff_consultation"]


def test_a_new_starter_is_asked_in_the_acknowledgement_and_others_do_not_see_the_answer(
        client, services, people, tokens):
    policy_id = to_published(services, people)
    services.administration.add_person("admin", "nina", PASSWORD, ["staff"], "Ultrasound", None)
    nina = services.accounts.authenticate("nina", PASSWORD)
    task = task_of(services, nina, "acknowledge_policy")
    form = services.queries.task_page(nina, task["id"]).form
    assert {"screen_photos", "video", "audio", "conditions"} <= set(form["properties"])
    services.commands.complete(nina, task["id"], {"read_and_understood": True, **CAUTIOUS})
    assert {k: services.recording_preferences.own(nina)[k] for k in CAUTIOUS} == CAUTIOUS
    # Acknowledging without the optional questions keeps the entry (sam's, from the consultation).
    before = services.recording_preferences.own(people["sam"])
    complete(services, people["sam"], "acknowledge_policy")
    assert services.recording_preferences.own(people["sam"]) == before and before["video"] == "willing"
    # The policy's audit trail carries the answer, and who gave it, only for managers.
    trail = lambda who: client.get(f"{API}/policies/{policy_id}/audit?limit=500",  # noqa: E731
                                   headers=auth(tokens[who])).get_json()
    said = lambda who: [e["data"] for e in trail(who) if e["actor"] == "nina"]  # noqa: E731
    assert said("mary")[0]["video"] == "not_willing"
    assert not said("emma") and "nina" not in str(trail("emma"))
    unnamed = [e["data"] for e in trail("emma") if e["task"] == "acknowledge_policy"]
    assert unnamed and all("video" not in (d or {}) and "conditions" not in (d or {}) for d in unnamed)
    assert CAUTIOUS["conditions"] not in client.get(f"/published/{policy_id}").get_data(as_text=True)


def test_a_review_shows_the_preferences_changed_since_the_consultation(client, services, people, clock):
    policy_id = to_published(services, people)
    clock.advance(days=30)
    services.recording_preferences.set_own(people["kim"], {"screen_photos": "willing", "video": "not_willing",
                                                           "audio": "not_willing"}, source="settings")
    clock.now = services.queries.policy(people["mary"], policy_id)["next_review_at"] + timedelta(hours=1)
    services.commands.fire_due_timers()
    task = task_of(services, people["mary"], "review_policy")
    token = services.accounts.create_token("mary")  # a year on: the first one has expired
    shown = client.get(f"{API}/tasks/{task['id']}", headers=auth(token)).get_json()
    changes = shown["context"]["preference_changes"]
    assert [c["username"] for c in changes] == ["kim"]
    assert {d["name"]: d["value"] for d in changes[0]["changes"]}["video"] == "Willing → Not willing"
    login(client, "mary")
    html = client.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert "Recording preferences changed since the last staff consultation" in html
    assert "kim" in html and "Willing → Not willing" in html


def test_settings_keeps_the_preferences_without_javascript(client, services, people):
    login(client, "sam")
    page = client.get("/settings").get_data(as_text=True)
    for label in ("Photos of the screen: are you willing?", "Video: are you willing?",
                  "Sound recording: are you willing?", '<label for="conditions">Your conditions</label>'):
        assert label in page
    refused = submit(client, "/settings", {"video": "willing_with_conditions"})  # the mail form is separate
    assert services.recording_preferences.own(people["sam"])["video"] is None and refused.status_code == 302
    refused = client.post("/settings/recording-preferences", data={
        "video": "willing_with_conditions", "csrf_token": _token(client)})
    assert refused.status_code == 422
    assert "Say what your conditions are" in refused.get_data(as_text=True)
    done = client.post("/settings/recording-preferences", data={
        "screen_photos": "willing", "video": "willing_with_conditions", "audio": "not_willing",
        "conditions": "Never my face.", "csrf_token": _token(client)}, follow_redirects=True)
    assert done.status_code == 200 and "Your recording preferences are saved" in done.get_data(as_text=True)
    entry = services.recording_preferences.own(people["sam"])
    assert (entry["video"], entry["conditions"]) == ("willing_with_conditions", "Never my face.")
    assert 'value="willing_with_conditions" checked' in client.get("/settings").get_data(as_text=True)
    assert audit_events(services, action="recording_preferences_changed")[-1].data["source"] == "settings"


def _token(client) -> str:
    from tests.web import csrf_token
    return csrf_token(client, "/settings")


def test_consultation_answers_and_conditions_stay_unnamed_for_the_revision(services, people):
    """The manager's evidence counts staff views without names, as before the register."""
    services.recording_preferences.set_own(people["alex"], CAUTIOUS, source="test")
    services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    consult(services, people)
    complete(services, people["mary"], "reassess_risks")
    task = task_of(services, people["mary"], "revise_policy")
    context = services.queries.task_page(people["mary"], task["id"]).context
    assert context.consultation.staff_responses == 3
    assert all("alex" not in comment for comment in context.consultation.staff_comments)


def test_no_reviewer_can_tie_a_preference_given_in_an_acknowledgement_to_its_author(client, services, people,
                                                                                     clock):
    """The committee confirming a review sees the preferences changed since the consultation without
    names; the timeline must not name who acknowledged at that very moment (nor anyone's
    acknowledgement: only the department's managers see who has acknowledged)."""
    policy_id = to_published(services, people)
    clock.advance(days=3)
    complete(services, people["sam"], "acknowledge_policy", video="willing_with_conditions",
             conditions="Never during an intimate scan.")
    clock.now = services.queries.policy(people["mary"], policy_id)["next_review_at"] + timedelta(hours=1)
    services.commands.fire_due_timers()
    complete(services, people["mary"], "review_policy", outcome="no_changes")
    task = task_of(services, people["cora"], "ratification")
    login(client, "cora")
    evidence = client.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert "Never during an intimate scan." in evidence and "sam" not in evidence
    for reader in ("cora", "emma", "kim"):
        token = services.accounts.create_token(reader)
        trail = client.get(f"{API}/policies/{policy_id}/audit?limit=500", headers=auth(token)).get_json()
        acknowledged = [e for e in trail if e["task"] == "acknowledge_policy"]
        assert acknowledged and {e["actor"] for e in acknowledged} == {"a member of staff"}, reader
        assert "sam" not in str(trail), reader
    page = client.get(f"/policies/{policy_id}").get_data(as_text=True)
    assert "Read and acknowledge" in page and "sam" not in page
    managed = services.queries.audit_trail(people["mary"], policy_id, Page(limit=500))
    assert any(e["actor"] == "sam" and e["task"] == "acknowledge_policy" for e in managed)
