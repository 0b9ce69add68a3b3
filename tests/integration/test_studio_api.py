"""The studio's API: deploy through the checked path, check with the dry run, versions, compare.

Deploys go through the same checks as ``policyflow deploy`` plus the guard and the dry run;
problems come back located (file, line, element); only process designers may deploy.
"""
from __future__ import annotations

import pytest

from tests import diagram_variants as variants
from tests.lifecycle import audit_events
from tests.studio import add_designer

API = "/api/v1"


@pytest.fixture
def designer(services, people):
    return add_designer(services)


@pytest.fixture
def headers(services, designer):
    return {"Authorization": f"Bearer {services.accounts.create_token(designer.username)}"}


def changed_files() -> dict:
    return variants.with_task_after(variants.shipped_files(), "revision", "rps_review",
                                    "Radiation protection supervisor's review", "rps_review.schema.json",
                                    variants.NOTE_FORM)


def test_a_designer_deploys_files_as_the_next_version_with_a_note_in_the_audit(client, services, headers):
    response = client.post(f"{API}/processes", json={"files": changed_files(), "note": "Add the RPS review"},
                           headers=headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"id": "policy_lifecycle", "version": 2, "name": "Recording policy lifecycle"}
    [event] = [e for e in audit_events(services, action="process_deployed") if e.actor == "dora"]
    assert event.data["note"] == "Add the RPS review" and len(event.data["content_hash"]) == 64
    versions = client.get(f"{API}/processes/policy_lifecycle/versions", headers=headers).get_json()
    assert [(v["version"], v["created_by"], v["note"], v["policies"]) for v in versions] == [
        (2, "dora", "Add the RPS review", 0), (1, "system", None, 0)]


def test_forms_may_be_sent_with_or_without_the_forms_folder(client, headers):
    files = {name.removeprefix("forms/"): text for name, text in changed_files().items()}
    response = client.post(f"{API}/processes", json={"files": files, "note": "Plain names"}, headers=headers)
    assert response.status_code == 201, response.get_json()


def test_only_process_designers_deploy_or_check(client, tokens):
    for path in ("/processes", "/processes/check"):
        response = client.post(f"{API}{path}", json={"files": changed_files(), "note": "x"},
                               headers={"Authorization": f"Bearer {tokens['mary']}"})
        assert response.status_code == 403
        assert response.get_json()["errors"][0]["message"] == "Only process designers can change the lifecycle diagram."


def test_a_shortcut_is_refused_with_each_problem_located(client, headers):
    files = variants.changes_to_publication(variants.shipped_files(), "insurer_signoff")
    response = client.post(f"{API}/processes", json={"files": files, "note": "Faster"}, headers=headers)
    assert response.status_code == 422
    [problem] = response.get_json()["errors"]
    assert problem["file"] == "policy_lifecycle.bpmn" and isinstance(problem["line"], int)
    assert problem["element"] == variants.tasks_of_step(variants.tree(files), "insurer_signoff")[0].get("id")
    assert "when the insurer sign-off requests changes, publication can be reached" in problem["message"]


def test_a_broken_file_and_a_stray_file_are_refused_by_name(client, headers):
    files = {**variants.shipped_files(), "notes.txt": "hello"}
    files["policy_lifecycle.bpmn"] = files["policy_lifecycle.bpmn"].replace("</bpmn:process>", "</bpmn:proces>")
    response = client.post(f"{API}/processes", json={"files": files, "note": "x"}, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["file"] == "notes.txt"
    del files["notes.txt"]
    response = client.post(f"{API}/processes", json={"files": files, "note": "x"}, headers=headers)
    [problem] = response.get_json()["errors"]
    assert problem["file"] == "policy_lifecycle.bpmn" and problem["line"] and "not well-formed XML" in problem["message"]


def test_a_note_is_required_and_unchanged_files_are_not_a_new_version(client, headers):
    response = client.post(f"{API}/processes", json={"files": variants.shipped_files(), "note": ""}, headers=headers)
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "note"
    response = client.post(f"{API}/processes", json={"files": variants.shipped_files(), "note": "Same"},
                           headers=headers)
    assert response.status_code == 422
    assert "the same as version 1" in response.get_json()["errors"][0]["message"]


def test_check_answers_ok_with_the_dry_runs_routes(client, headers):
    result = client.post(f"{API}/processes/check", json={"files": changed_files()}, headers=headers).get_json()
    assert result["ok"] is True and result["errors"] == []
    published = [p for p in result["paths"] if p["outcome"] == "published"]
    assert published and "rps_review" in published[0]["steps"]
    assert {"steps", "outcome", "element"} <= set(published[0])


def test_check_of_a_broken_draft_lists_its_problems_and_no_routes(client, headers):
    files = variants.single_staff_task(variants.shipped_files())
    result = client.post(f"{API}/processes/check", json={"files": files}, headers=headers).get_json()
    assert result["ok"] is False and result["paths"] == []
    assert any("one task per staff member" in e["message"] for e in result["errors"])


def test_a_version_has_its_files_and_two_versions_compare(client, headers):
    client.post(f"{API}/processes", json={"files": changed_files(), "note": "RPS"}, headers=headers)
    version = client.get(f"{API}/processes/policy_lifecycle/versions/2", headers=headers).get_json()
    assert version["version"] == 2 and "rps_review.schema.json" in version["files"]
    diff = client.get(f"{API}/processes/policy_lifecycle/diff?from=1&to=2", headers=headers).get_json()
    [added] = [element for element in diff["added"] if element["id"] == "rps_review"]
    assert (added["name"], added["type"]) == ("Radiation protection supervisor's review", "userTask")
    assert any(line.startswith("form rps_review.schema.json (new): field ") for line in added["what"])  # its new form
    assert diff["removed"] == []


def test_unknown_processes_versions_and_bad_compare_arguments(client, headers):
    assert client.get(f"{API}/processes/nothing/versions", headers=headers).status_code == 404
    assert client.get(f"{API}/processes/policy_lifecycle/versions/9", headers=headers).status_code == 404
    response = client.get(f"{API}/processes/policy_lifecycle/diff?from=1", headers=headers)
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "to"
    response = client.get(f"{API}/processes/policy_lifecycle/diff?from=1&to=2&color=1", headers=headers)
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "color"
