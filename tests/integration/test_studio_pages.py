"""The studio's pages without JavaScript: versions, drafts, to-dos and their fixes, check, deploy,
the form editor with the task page's renderer, comparing versions, moving policies, importing."""
from __future__ import annotations

import io
import json
import re

import pytest

from tests import diagram_variants as variants
from tests.html import visible_text
from tests.studio import add_designer, deploy
from tests.web import csrf_token, login

CAMUNDA = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="approval" name="Approval" isExecutable="false">
    <bpmn:laneSet id="lanes"><bpmn:lane id="lane_approver" name="Approver"><bpmn:flowNodeRef>approve</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="begin"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="approve" name="Approve it" camunda:assignee="boss"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:complexGateway id="merge" name="Merge"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:complexGateway>
    <bpmn:endEvent id="finish"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="begin" targetRef="approve" />
    <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="merge" />
    <bpmn:sequenceFlow id="f3" sourceRef="merge" targetRef="finish" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def designer(services, people):
    return add_designer(services)


@pytest.fixture
def studio(client, designer):
    login(client, designer.username)
    return client


def post(client, url: str, data: dict | None = None, **kwargs):
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client, "/designer/")}, **kwargs)


def new_draft(client, number: int = 1) -> str:
    response = post(client, f"/designer/processes/policy_lifecycle/versions/{number}/draft")
    assert response.status_code == 302
    return response.headers["Location"]


def test_the_studio_lists_versions_with_their_notes_and_policies(studio, services, people, designer):
    services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    deploy(services, designer, variants.with_task_after(variants.shipped_files(), "revision", "rps_review", "RPS review",
                                                        "rps_review.schema.json", variants.NOTE_FORM), "Add RPS review")
    text = visible_text(studio.get("/designer/").get_data(as_text=True))
    assert "Version 2 latest dora" in text and "Add RPS review" in text
    assert re.search(r"Version 1 system .* – 1 New version from this one", text), text


def test_the_studio_is_for_process_designers(client, people):
    login(client, "mary")
    response = client.get("/designer/")
    assert response.status_code == 403 and "The studio is for process designers." in response.get_data(as_text=True)


def test_a_designer_is_pointed_to_the_studio_after_signing_in(studio):
    assert "open the studio" in visible_text(studio.get("/inbox").get_data(as_text=True))


def test_a_draft_checks_and_deploys_without_javascript(studio, services):
    draft = new_draft(studio)
    page = visible_text(studio.get(draft).get_data(as_text=True))
    assert "To do before it can run Nothing" in page
    checked = visible_text(post(studio, f"{draft}/check").get_data(as_text=True))
    assert "No problems: this draft can be deployed." in checked and "published at" in checked
    refused = post(studio, f"{draft}/deploy", {"note": ""})
    assert refused.status_code == 422 and "Say why you deploy this version" in refused.get_data(as_text=True)
    same = post(studio, f"{draft}/deploy", {"note": "Same again"})
    assert same.status_code == 422 and "the same as version 1" in same.get_data(as_text=True)


def test_a_broken_draft_shows_each_problem_at_its_element(studio, services):
    draft = new_draft(studio)
    draft_id = int(draft.rsplit("/", 1)[1])
    files = variants.changes_to_publication(services.studio.drafts.get(draft_id).files, "employer_signoff")
    services.studio.drafts.save(draft_id, "dora", files, None)
    page = post(studio, f"{draft}/check").get_data(as_text=True)
    employer = variants.tasks_of_step(variants.tree(files), "employer_signoff")[0].get("id")
    assert f'data-element="{employer}"' in page
    assert "when the employer sign-off requests changes, publication can be reached" in visible_text(page)
    assert "policy_lifecycle.bpmn, line" in visible_text(page)


def test_the_form_editor_saves_fields_and_previews_with_the_task_renderer(studio, services):
    draft = new_draft(studio)
    made = post(studio, f"{draft}/forms", {"name": "rps_review"})
    assert made.status_code == 302
    editor = made.headers["Location"]
    fields = {"field-0-name": "dose_checked", "field-0-title": "Doses checked?", "field-0-help": "Against the DRLs",
              "field-0-kind": "yesno", "field-0-required": "1",
              "field-1-name": "outcome", "field-1-title": "Outcome", "field-1-kind": "choice",
              "field-1-choices": "ok = No concerns\nconcerns = Concerns raised", "field-1-required": "1",
              "field-2-name": "", "action": "preview"}
    preview = post(studio, editor, fields).get_data(as_text=True)
    assert 'type="radio"' in preview and "No concerns" in preview and "Against the DRLs" in preview
    assert post(studio, editor, {**fields, "action": "save"}).status_code == 302
    draft_id = int(draft.rsplit("/", 1)[1])
    form = json.loads(services.studio.drafts.get(draft_id).files["forms/rps_review.schema.json"])
    assert form["required"] == ["dose_checked", "outcome"]
    assert form["properties"]["outcome"] == {"title": "Outcome", "type": "string", "enum": ["ok", "concerns"],
                                             "x-enumLabels": {"ok": "No concerns", "concerns": "Concerns raised"}}
    live = post(studio, f"{editor}/preview", {"field-0-name": "note", "field-0-kind": "textarea",
                                              "field-0-title": "Your note"}).get_data(as_text=True)
    assert "<textarea" in live and "Your note" in live


def test_the_form_editor_keeps_meaning_it_does_not_show_and_refuses_bad_json(studio, services):
    draft = new_draft(studio)
    editor = f"{draft}/forms/employer_signoff.schema.json"
    page = studio.get(editor).get_data(as_text=True)
    assert 'value="decision"' in page
    bad = post(studio, editor, {"raw": "{not json", "action": "save-raw"})
    assert bad.status_code == 422 and "This is not valid JSON" in bad.get_data(as_text=True)
    draft_id = int(draft.rsplit("/", 1)[1])
    form = json.loads(services.studio.drafts.get(draft_id).files["forms/employer_signoff.schema.json"])
    posted = {"action": "save"}
    for index, (name, prop) in enumerate(form["properties"].items()):
        posted.update({f"field-{index}-name": name, f"field-{index}-title": prop.get("title", "") + "!",
                       f"field-{index}-kind": {"string": "text", "boolean": "checkbox"}[prop["type"]]
                       if "enum" not in prop else "choice",
                       f"field-{index}-choices": "\n".join(f"{v} = {prop['x-enumLabels'][v]}" for v in prop.get("enum", []))})
    assert post(studio, editor, posted).status_code == 302
    saved = json.loads(services.studio.drafts.get(draft_id).files["forms/employer_signoff.schema.json"])
    assert saved["properties"]["decision"]["x-role"] == "outcome"
    assert saved["properties"]["decision"]["x-approvedWhen"] == "approved"
    assert saved["allOf"] == form["allOf"]


def test_an_imported_diagram_becomes_a_draft_with_a_to_do_list_and_fixes(studio, services):
    response = studio.post("/designer/import", data={"csrf_token": csrf_token(studio, "/designer/import"),
                                                     "files": (io.BytesIO(CAMUNDA.encode()), "approval.bpmn")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    draft = response.headers["Location"].split("#")[0]
    text = visible_text(studio.get(draft).get_data(as_text=True))
    assert "Choose the one process that runs (0 of 1 are marked executable): 'Approval' (approval, approval.bpmn " \
           "line 3)" in text
    assert "Map the lane 'Approver' to a role" in text
    assert "'Approve it' needs a form." in text
    assert "'Merge' is a complexGateway, which cannot run here" in text
    assert "settings of another engine" not in text  # camunda:assignee is read (who does the task), not ignored
    for fix in ({"fix": "executable", "element": "approval"}, {"fix": "lane", "element": "lane_approver",
                                                               "choice": "manager"},
                {"fix": "form", "element": "approve", "choice": "approve.schema.json"}):
        assert post(studio, f"{draft}/fix", fix).status_code == 302
    text = visible_text(studio.get(draft).get_data(as_text=True))
    assert "executable" not in text.split("To do before it can run")[1].split("Check and dry run")[0]
    assert "'Merge' is a complexGateway" in text and "forms/approve.schema.json" in text


def test_compare_lists_changes_and_the_migration_page_moves_a_policy(studio, services, people, designer):
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    deploy(services, designer, variants.with_task_after(variants.shipped_files(), "revision", "rps_review", "RPS review",
                                                        "rps_review.schema.json", variants.NOTE_FORM), "Add RPS review")
    compare = visible_text(studio.get("/designer/processes/policy_lifecycle/compare?from=1&to=2").get_data(as_text=True))
    assert "Added rps_review RPS review (userTask)" in compare
    # The new task's new form, field by field.
    assert "form rps_review.schema.json (new): field 'note' added (long text, 'Note', required)" in compare
    listed = visible_text(studio.get("/designer/processes/policy_lifecycle/policies").get_data(as_text=True))
    assert "Recording during ultrasound" in listed and "Version 1" in listed
    moved = post(studio, f"/designer/processes/policy_lifecycle/policies/{policy_id}/migrate", {"version": "2"},
                 follow_redirects=True)
    assert f"Policy {policy_id} now runs on version 2." in visible_text(moved.get_data(as_text=True))
    result = post(studio, "/designer/processes/policy_lifecycle/migrate-all", {"version": "1"})
    text = visible_text(result.get_data(as_text=True))
    assert f"Recording during ultrasound ({policy_id})Yesmoved to version 1" in text, text


def test_an_upload_that_is_not_utf8_is_refused_by_name_and_a_broken_form_still_opens(studio, services):
    draft = new_draft(studio)
    latin1 = studio.post(f"{draft}/upload", data={"csrf_token": csrf_token(studio, draft),
                                                  "files": (io.BytesIO("<x>café</x>".encode("latin-1")), "extra.bpmn")},
                         content_type="multipart/form-data")
    assert latin1.status_code == 422 and "extra.bpmn is not UTF-8 text" in latin1.get_data(as_text=True)
    broken = studio.post(f"{draft}/upload", data={"csrf_token": csrf_token(studio, draft),
                                                  "files": (io.BytesIO(b"{oops"), "oops.schema.json")},
                         content_type="multipart/form-data")
    assert broken.status_code == 302
    page = studio.get(f"{draft}/forms/oops.schema.json")
    assert page.status_code == 200 and "The stored file is not valid JSON" in page.get_data(as_text=True)
    checked = visible_text(post(studio, f"{draft}/check").get_data(as_text=True))
    assert "oops.schema.json" in checked and "not valid JSON" in checked


def test_an_admin_reaches_the_policy_versions_page_but_not_the_studio(client, services, people):
    services.accounts.add_user("ada", "correct horse battery", ["admin"])
    login(client, "ada")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert 'href="/designer/processes/policy_lifecycle/policies"' in inbox
    assert client.get("/designer/processes/policy_lifecycle/policies").status_code == 200
    assert client.get("/designer/").status_code == 403


def test_a_deployed_draft_leaves_the_drafts_in_progress_titled_by_its_note(studio, services):
    draft = new_draft(studio)
    draft_id = int(draft.rstrip("/").rsplit("/", 1)[-1])
    files = variants.with_task_after(variants.shipped_files(), "revision", "rps_review", "RPS review",
                                     "rps_review.schema.json", variants.NOTE_FORM)
    services.studio.drafts.save(draft_id, "dora", files, services.studio.drafts.get(draft_id).revision)
    assert post(studio, f"{draft}/deploy", {"note": "Add the RPS review"}).status_code == 302
    text = visible_text(studio.get("/designer/").get_data(as_text=True))
    assert "Add the RPS review" not in text.split("Drafts in progress")[1].split("Deployed drafts")[0]
    assert "Add the RPS review: deployed as version 2" in text


def test_a_plain_task_is_a_check_warning_as_its_to_do_says(studio, services):
    draft = new_draft(studio)
    draft_id = int(draft.rstrip("/").rsplit("/", 1)[-1])
    found = services.studio.drafts.get(draft_id)
    files = dict(found.files)
    files["policy_lifecycle.bpmn"] = files["policy_lifecycle.bpmn"].replace("<bpmn:scriptTask ", "<bpmn:task ", 1) \
        .replace("</bpmn:scriptTask>", "</bpmn:task>", 1) \
        .replace('<bpmn:script>staff_response = {"responded": False}</bpmn:script>', "")
    services.studio.drafts.save(draft_id, "dora", files, found.revision)
    checked = visible_text(post(studio, f"{draft}/check").get_data(as_text=True))
    assert "is a plain task, which does nothing when run" in checked.split("Worth a look")[1]
    assert "as a plain task it does nothing" in checked.split("To do before it can run")[1]


def test_a_draft_titled_by_its_designer_keeps_that_title_when_deployed(studio, services):
    draft = new_draft(studio)
    assert post(studio, f"{draft}/title", {"title": "Radiation protection review"}).status_code == 302
    assert "Radiation protection review" in visible_text(studio.get("/designer/").get_data(as_text=True))
    assert post(studio, f"{draft}/title", {"title": " "}).status_code == 422
    draft_id = int(draft.rstrip("/").rsplit("/", 1)[-1])
    files = variants.with_task_after(variants.shipped_files(), "revision", "rps_review", "RPS review",
                                     "rps_review.schema.json", variants.NOTE_FORM)
    services.studio.drafts.save(draft_id, "dora", files, services.studio.drafts.get(draft_id).revision)
    assert post(studio, f"{draft}/deploy", {"note": "Add a step"}).status_code == 302
    assert "Radiation protection review: deployed as version 2" in visible_text(
        studio.get("/designer/").get_data(as_text=True))
