"""Imports that end runnable: diagrams from Camunda 7 and 8, Signavio and others become drafts whose
to-do list, once every offered fix is applied, leaves nothing for the check but the guidance.

The diagrams are small ones written for these tests in each modeler's shape (``tests/imports``).
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.studio import add_designer
from workflows.designer.bundle_files import split_files
from workflows.designer.conformance import conformance_problems
from workflows.engine.specs import load_bundle

API = "/api/v1"
HERE = Path(__file__).parent.parent / "imports"


def read(*names: str) -> dict[str, str]:
    return {name: (HERE / name).read_text() for name in names}


@pytest.fixture
def headers(services, people):
    designer = add_designer(services)
    return {"Authorization": f"Bearer {services.accounts.create_token(designer.username)}"}


def imported(client, headers, files: dict) -> dict:
    response = client.post(f"{API}/processes/import", json={"files": files}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def work_through(client, headers, draft: int, todos: list, prefer: dict | None = None) -> list:
    """Apply every offered fix (the first choice, or the preferred one) until none is left."""
    for _ in range(60):
        offered = [t for t in todos if t["fix"]]
        if not offered:
            return todos
        todo = offered[0]
        choice = (prefer or {}).get(todo["fix"]) or (todo["choices"][0] if todo["choices"] else None)
        body = {"element": todo["element"], "fix": todo["fix"], **({"choice": choice} if choice else {})}
        response = client.post(f"{API}/drafts/{draft}/todos/apply", json=body, headers=headers)
        assert response.status_code == 200, (body, response.get_json())
        todos = response.get_json()["todos"]
    raise AssertionError(f"the to-dos never ran out: {todos}")


def only_the_guidance_objects(client, headers, draft: int) -> dict:
    got = client.get(f"{API}/drafts/{draft}", headers=headers).get_json()
    bundle = load_bundle(*split_files(got["files"]))  # the loader's checks all pass
    guard = {p.message for p in conformance_problems(bundle)}
    assert {e["message"] for e in got["check"]["errors"]} <= guard, got["check"]["errors"]
    return got


def test_a_camunda_8_diagram_with_its_form_becomes_runnable_through_its_to_dos(client, headers):
    result = imported(client, headers, read("camunda8.bpmn", "review.form"))
    todos = {(t["fix"], t["element"]): t for t in result["todos"]}
    assert set(todos) == {("form", "review"), ("task_lane", "review"), ("task_type", "notify"),
                          ("remove_settings", "notify"), ("timer", "wait"), ("condition", "f_yes")}
    assert todos[("form", "review")]["choices"][0] == "review-form.schema.json"
    assert todos[("task_lane", "review")]["choices"][0] == "manager"  # from zeebe:assignmentDefinition
    assert "managers" in todos[("task_lane", "review")]["message"]
    assert todos[("condition", "f_yes")]["choices"] == ["approved == True"]
    assert "= approved = true" in todos[("condition", "f_yes")]["message"]
    assert todos[("timer", "wait")]["choices"] == ['"P1D"']
    assert all(t["file"] == "camunda8.bpmn" and t["line"] for t in result["todos"])
    work_through(client, headers, result["draft"], result["todos"], {"task_type": "scriptTask"})
    got = only_the_guidance_objects(client, headers, result["draft"])
    form = json.loads(got["files"]["forms/review-form.schema.json"])
    assert form["properties"]["starts"] == {"type": "string", "format": "date", "title": "Starts on"}
    assert form["required"] == ["summary", "priority", "starts"]


def test_the_form_js_form_becomes_each_kind_of_field():
    from workflows.designer.camunda_forms import json_schema
    form = json_schema("review.form", (HERE / "review.form").read_text())
    fields = form["properties"]
    assert fields["summary"] == {"type": "string", "title": "Summary", "description": "One line", "maxLength": 120}
    assert fields["comments"]["x-widget"] == "textarea"
    assert fields["days"] == {"type": "integer", "title": "Days of leave", "minimum": 1, "maximum": 30}
    assert fields["approved"] == {"type": "boolean", "x-widget": "checkbox", "title": "Approved"}
    assert fields["priority"]["enum"] == ["low", "high"] and fields["priority"]["x-enumLabels"]["high"] == "High"
    assert fields["team"]["x-widget"] == "select"
    assert fields["reasons"]["type"] == "array" and fields["reasons"]["items"]["enum"] == ["holiday", "training"]
    assert list(fields) == ["summary", "comments", "days", "approved", "priority", "team", "reasons", "starts"]


def test_a_camunda_7_collaboration_ends_runnable_with_one_process_chosen(client, headers):
    result = imported(client, headers, read("camunda7.bpmn"))
    todos = {(t["fix"], t["element"]): t for t in result["todos"]}
    executable = todos[("executable", "hiring")]
    assert executable["choices"] == ["hiring", "candidate"]
    assert "'Hiring' (hiring, camunda7.bpmn line 7)" in executable["message"]
    assert todos[("show_diagram", "camunda7.bpmn")]["choices"] == ["diagram_overview", "diagram_hiring"]
    assert todos[("lane", "lane_approvers")]["choices"][0] == "manager"  # camunda:candidateGroups="approvers"
    assert todos[("condition", "h_yes")]["choices"] == ["decision == 'hire' and approved"]
    assert todos[("condition", "h_no")]["choices"] == ["not approved"]
    assert todos[("timer", "cooling_off")]["choices"] == ["coolingOff"]
    assert ("remove_data", "crm") in todos and ("replace", "decide") in todos and ("task_type", "archive") in todos
    assert [t["message"] for t in result["todos"] if t["fix"] == "remove_settings"] == [
        "'hiring_start' has settings of another engine (asyncBefore) that do nothing here."]
    shown = client.post(f"{API}/drafts/{result['draft']}/todos/apply", headers=headers,
                        json={"element": "camunda7.bpmn", "fix": "show_diagram", "choice": "diagram_hiring"})
    work_through(client, headers, result["draft"], shown.get_json()["todos"], {"replace": "exclusiveGateway"})
    got = only_the_guidance_objects(client, headers, result["draft"])
    text = got["files"]["camunda7.bpmn"]
    assert text.index('id="diagram_hiring"') < text.index('id="diagram_overview"')
    assert 'id="candidate" name="Candidate" isExecutable="false"' in text


def test_layout_attributes_are_never_called_another_engines_settings(client, headers):
    result = imported(client, headers, read("signavio.bpmn"))
    assert [t["fix"] for t in result["todos"]] == ["executable", "form"]
    assert not any("another engine" in t["message"] for t in result["todos"])


def test_mark_executable_changes_the_process_not_a_global_task_with_its_id(client, headers):
    diagram = (HERE / "signavio.bpmn").read_text().replace(
        '  <process id="sid-process"', '  <globalTask id="sid-process" />\n  <process id="sid-process"', 1)
    result = imported(client, headers, {"one.bpmn": diagram})
    response = client.post(f"{API}/drafts/{result['draft']}/todos/apply",
                           json={"element": "sid-process", "fix": "executable"}, headers=headers)
    assert response.status_code == 200
    text = client.get(f"{API}/drafts/{result['draft']}", headers=headers).get_json()["files"]["one.bpmn"]
    assert '<globalTask id="sid-process"/>' in text and '<process id="sid-process" name="Check a request" ' \
        'isExecutable="true">' in text


def test_a_file_in_a_declared_encoding_is_converted_on_request(client, headers):
    latin = (HERE / "signavio.bpmn").read_text().replace('encoding="UTF-8"', 'encoding="ISO-8859-1"') \
        .replace("Check it", "Vérifier")
    response = client.post(f"{API}/processes/import", headers=headers, content_type="multipart/form-data",
                           data={"files": (io.BytesIO(latin.encode("latin-1")), "latin.bpmn")})
    assert response.status_code == 201, response.get_json()
    result = response.get_json()
    [encoding] = [t for t in result["todos"] if t["fix"] == "encoding"]
    assert encoding == {"element": "latin.bpmn", "file": "latin.bpmn", "line": 1, "fix": "encoding",
                        "choices": ["UTF-8"], "message": 'latin.bpmn declares encoding="ISO-8859-1"; convert it to '
                                                         "UTF-8, the only encoding deploy reads."}
    client.post(f"{API}/drafts/{result['draft']}/todos/apply", json={"element": "latin.bpmn", "fix": "encoding"},
                headers=headers)
    text = client.get(f"{API}/drafts/{result['draft']}", headers=headers).get_json()["files"]["latin.bpmn"]
    assert 'encoding="UTF-8"' in text and "Vérifier" in text


def test_what_cannot_be_read_is_refused_located(client, headers):
    undeclared = client.post(f"{API}/processes/import", headers=headers, content_type="multipart/form-data",
                             data={"files": (io.BytesIO("<a>\ncafé</a>".encode("latin-1")), "x.bpmn")})
    assert undeclared.status_code == 422
    assert undeclared.get_json()["errors"][0]["file"] == "x.bpmn" and undeclared.get_json()["errors"][0]["line"] == 2
    broken = client.post(f"{API}/processes/import", json={"files": {"a.bpmn": "<x>\n<y></x>", "b.txt": "hi"}},
                         headers=headers)
    assert broken.status_code == 422
    assert {(e["file"], e["line"]) for e in broken.get_json()["errors"]} == {("a.bpmn", 2), ("b.txt", None)}


def test_no_executable_process_names_each_process_with_its_line(client, headers):
    result = imported(client, headers, read("camunda7.bpmn"))
    files = client.get(f"{API}/drafts/{result['draft']}", headers=headers).get_json()["files"]
    files["camunda7.bpmn"] = files["camunda7.bpmn"].replace('isExecutable="true"', 'isExecutable="false"')
    check = client.post(f"{API}/processes/check", json={"files": files}, headers=headers).get_json()
    located = [(e["element"], e["line"]) for e in check["errors"] if "must be executable" in e["message"]]
    assert located == [("hiring", 7), ("candidate", 54)]


def test_only_process_designers_import_or_read_drafts(client, headers, tokens):
    result = imported(client, headers, read("signavio.bpmn"))
    other = {"Authorization": f"Bearer {tokens['mary']}"}
    assert client.post(f"{API}/processes/import", json={"files": read("signavio.bpmn")},
                       headers=other).status_code == 403
    assert client.get(f"{API}/drafts/{result['draft']}", headers=other).status_code == 403
    assert client.post(f"{API}/drafts/{result['draft']}/todos/apply", json={"element": "sid-process",
                                                                           "fix": "executable"},
                       headers=other).status_code == 403


def test_what_no_fix_can_do_is_still_listed_so_the_list_never_says_nothing_while_the_check_refuses(
        client, headers):
    diagram = (HERE / "signavio.bpmn").read_text().replace('targetRef="sid-end"', 'targetRef="sid-nowhere"')
    result = imported(client, headers, {"broken.bpmn": diagram})
    todos = work_through(client, headers, result["draft"], result["todos"])
    assert [(t["fix"], t["element"], t["file"]) for t in todos] == [(None, "sid-f2", "broken.bpmn")]
    assert "sid-nowhere" in todos[0]["message"] and todos[0]["line"]


def test_an_upload_takes_only_files_and_a_title(client, headers):
    diagram = (HERE / "signavio.bpmn").read_bytes()
    response = client.post(f"{API}/processes/import", headers=headers, content_type="multipart/form-data",
                           data={"files": (io.BytesIO(diagram), "signavio.bpmn"), "titel": "Hiring",
                                 "file": (io.BytesIO(diagram), "again.bpmn")})
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"field": "file", "message": "'file' is not a field of this call; it takes files and title."},
        {"field": "titel", "message": "'titel' is not a field of this call; it takes files and title."}]
    response = client.post(f"{API}/processes/import", headers=headers, content_type="multipart/form-data",
                           data={"files": (io.BytesIO(diagram), "signavio.bpmn"), "title": "Hiring"})
    assert response.status_code == 201


def test_a_data_store_declared_beside_the_processes_goes_with_its_to_do_and_is_located(client, headers):
    """Signavio declares a data store at the top of the file; the engine refuses the whole file for it."""
    diagram = (HERE / "signavio.bpmn").read_text() \
        .replace('  <process id="sid-process"', '  <dataStore id="sid-pacs" name="PACS" />\n'
                                                '  <dataStore id="sid-archive" name="Archive" />\n'
                                                '  <process id="sid-process"', 1) \
        .replace("    <endEvent", '    <dataStoreReference id="sid-pacs-ref" dataStoreRef="sid-pacs" name="PACS" />\n'
                                  "    <endEvent", 1)
    result = imported(client, headers, {"stores.bpmn": diagram})
    data = {t["element"]: t for t in result["todos"] if t["fix"] == "remove_data"}
    assert set(data) == {"sid-pacs-ref", "sid-archive"} and data["sid-archive"]["line"] == 4
    check = client.get(f"{API}/drafts/{result['draft']}", headers=headers).get_json()["check"]
    assert {(e["element"], e["line"]) for e in check["errors"] if "data store" in e["message"]} == \
        {("sid-pacs", 3), ("sid-archive", 4)}
    work_through(client, headers, result["draft"], result["todos"])
    got = only_the_guidance_objects(client, headers, result["draft"])
    assert "dataStore" not in got["files"]["stores.bpmn"]


def test_a_form_embedded_in_a_camunda_8_diagram_is_the_one_its_task_is_offered(client, headers):
    """Camunda 8 once kept forms inside the diagram (``zeebe:userTaskForm``), named by the element's id."""
    from xml.sax.saxutils import escape
    diagram = (HERE / "camunda8.bpmn").read_text() \
        .replace('<zeebe:formDefinition formId="review-form" />',
                 '<zeebe:formDefinition formKey="camunda-forms:bpmn:userTaskForm_1" />') \
        .replace('isExecutable="true">', 'isExecutable="true">\n    <bpmn:extensionElements><zeebe:userTaskForm '
                 f'id="userTaskForm_1">{escape((HERE / "review.form").read_text())}</zeebe:userTaskForm>'
                 "</bpmn:extensionElements>", 1)
    other = json.dumps({"id": "a-leaflet", "components": [{"type": "textfield", "key": "x", "label": "X"}]})
    result = imported(client, headers, {"camunda8.bpmn": diagram, "leaflet.form": other})
    [form] = [t for t in result["todos"] if t["fix"] == "form"]
    assert form["choices"][0] == "review-form.schema.json"
    assert "Its Camunda form 'userTaskForm_1' was converted: review-form.schema.json." in form["message"]


@pytest.mark.parametrize("kind, feel, python", [("timeDuration", '= duration("PT2H")', '"PT2H"'),
                                                ("timeDate", '=date and time("2030-01-01T09:00:00Z")',
                                                 '"2030-01-01T09:00:00Z"'),
                                                ("timeCycle", '= cycle(duration("P1D"))', '"R/P1D"')])
def test_a_feel_timer_is_translated_and_the_draft_ends_runnable(client, headers, kind, feel, python):
    diagram = (HERE / "camunda8.bpmn").read_text().replace(
        '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P1D</bpmn:timeDuration>',
        f'<bpmn:{kind} xsi:type="bpmn:tFormalExpression">{feel}</bpmn:{kind}>')
    result = imported(client, headers, {"camunda8.bpmn": diagram, "review.form": read("review.form")["review.form"]})
    [timer] = [t for t in result["todos"] if t["element"] == "wait"]
    assert timer["fix"] == "timer" and timer["choices"] == [python] and feel in timer["message"]
    work_through(client, headers, result["draft"], result["todos"], {"task_type": "scriptTask"})
    only_the_guidance_objects(client, headers, result["draft"])


def test_a_loop_condition_in_juel_is_on_the_first_list_with_its_expression(client, headers):
    diagram = read("camunda7.bpmn")["camunda7.bpmn"].replace(
        '      <bpmn:dataOutputAssociation id="to_crm">',
        '      <bpmn:multiInstanceLoopCharacteristics camunda:collection="${approvers}">\n'
        '        <bpmn:completionCondition>${nrOfCompletedInstances &gt;= 2}</bpmn:completionCondition>\n'
        '      </bpmn:multiInstanceLoopCharacteristics>\n'
        '      <bpmn:dataOutputAssociation id="to_crm">', 1)
    result = imported(client, headers, {"camunda7.bpmn": diagram})
    [loop] = [t for t in result["todos"] if "nrOfCompletedInstances" in t["message"]]
    assert (loop["element"], loop["file"], loop["line"], loop["fix"]) == ("approve", "camunda7.bpmn", 21, None)
    assert "${nrOfCompletedInstances >= 2}" in loop["message"] and "JUEL" in loop["message"]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_file_saved_in_utf_16_is_read_and_converted_on_request(client, headers, codec):
    """XML recognises UTF-16 by its byte order mark, or by '<?' written two bytes a character."""
    text = (HERE / "signavio.bpmn").read_text().replace('encoding="UTF-8"', 'encoding="UTF-16"') \
        .replace("Check it", "Vérifier")
    response = client.post(f"{API}/processes/import", headers=headers, content_type="multipart/form-data",
                           data={"files": (io.BytesIO(text.encode(codec)), "wide.bpmn")})
    assert response.status_code == 201, response.get_json()
    result = response.get_json()
    [encoding] = [t for t in result["todos"] if t["fix"] == "encoding"]
    assert 'declares encoding="UTF-16"' in encoding["message"]
    client.post(f"{API}/drafts/{result['draft']}/todos/apply", json={"element": "wide.bpmn", "fix": "encoding"},
                headers=headers)
    text = client.get(f"{API}/drafts/{result['draft']}", headers=headers).get_json()["files"]["wide.bpmn"]
    assert 'encoding="UTF-8"' in text and "Vérifier" in text
