"""Loading diagram bundles: what a process designer sees when a diagram is wrong or hostile.

Every mistake must come back as a DiagramError whose problems say
``file:line: element: message``, at upload time rather than when a policy is
stuck; hostile XML (entities, DTDs, oversized files) and hostile code must be
refused without reading the server's disk or running anything.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest

from workflows.engine.specs import MAX_FILE_BYTES, load_bundle, read_bundle_directory
from workflows.engine.steps import WorkflowEngine
from workflows.errors import DiagramError, DiagramProblem, WorkflowFailure
from workflows.wiring import BPMN_DIR

FORM_NAME = "note.schema.json"
FORM = {"type": "object", "properties": {"note": {"type": "string", "title": "Note"}}, "required": ["note"]}

TINY = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="tiny_definitions" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="tiny" name="Tiny process" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_manager" name="manager">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>write_note</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start">
      <bpmn:outgoing>flow_start</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="write_note" name="Write a note">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="note.schema.json" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>flow_start</bpmn:incoming>
      <bpmn:outgoing>flow_end</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end">
      <bpmn:incoming>flow_end</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="flow_start" sourceRef="start" targetRef="write_note" />
    <bpmn:sequenceFlow id="flow_end" sourceRef="write_note" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""
FORM_PROPERTY_LINE = '<spiffworkflow:property name="formJsonSchemaFilename" value="note.schema.json" />'
FLOW_END = '<bpmn:sequenceFlow id="flow_end" sourceRef="write_note" targetRef="end" />'
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


# ----------------------------------------------------------------- helpers

def load(diagram: str, forms: dict | None = None):
    """Load ``diagram`` as tiny.bpmn with the note form beside it (unless ``forms`` says otherwise)."""
    forms = {FORM_NAME: FORM} if forms is None else forms
    return load_bundle({"tiny.bpmn": diagram.encode()}, {name: json.dumps(f).encode() for name, f in forms.items()})


def problems_of(diagram: str, forms: dict | None = None) -> list[DiagramProblem]:
    with pytest.raises(DiagramError) as refused:
        load(diagram, forms)
    assert refused.value.problems, "a DiagramError must carry at least one problem"
    return refused.value.problems


def the_problem(diagram: str, forms: dict | None = None) -> DiagramProblem:
    problems = problems_of(diagram, forms)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def line_of(diagram: str, needle: str) -> int:
    """1-based line number of the first line of ``diagram`` containing ``needle``."""
    return next(n for n, line in enumerate(diagram.splitlines(), start=1) if needle in line)


def with_flow_condition(condition: str) -> str:
    return TINY.replace(FLOW_END, '<bpmn:sequenceFlow id="flow_end" sourceRef="write_note" targetRef="end">\n'
                        f"      <bpmn:conditionExpression>{condition}</bpmn:conditionExpression>\n"
                        "    </bpmn:sequenceFlow>")


def with_script_before_note(element_id: str, script: str) -> str:
    """The tiny diagram with a script task between the start event and the user task."""
    task = (f'<bpmn:scriptTask id="{element_id}" name="Run a script">\n'
            "      <bpmn:incoming>flow_start</bpmn:incoming>\n"
            "      <bpmn:outgoing>flow_script</bpmn:outgoing>\n"
            f"      <bpmn:script>{script}</bpmn:script>\n"
            "    </bpmn:scriptTask>\n"
            '    <bpmn:sequenceFlow id="flow_script" sourceRef="' + element_id + '" targetRef="write_note" />\n'
            "    ")
    diagram = TINY.replace('<bpmn:userTask id="write_note"', task + '<bpmn:userTask id="write_note"')
    diagram = diagram.replace('targetRef="write_note" />\n    <bpmn:sequenceFlow id="flow_end"',
                              f'targetRef="{element_id}" />\n    <bpmn:sequenceFlow id="flow_end"')
    diagram = diagram.replace("<bpmn:incoming>flow_start</bpmn:incoming>\n      <bpmn:outgoing>flow_end",
                              "<bpmn:incoming>flow_script</bpmn:incoming>\n      <bpmn:outgoing>flow_end")
    return diagram.replace("<bpmn:flowNodeRef>end</bpmn:flowNodeRef>",
                           f"<bpmn:flowNodeRef>end</bpmn:flowNodeRef>\n        <bpmn:flowNodeRef>{element_id}</bpmn:flowNodeRef>")


NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


# ----------------------------------------------------------------- valid bundles load

def test_the_shipped_bundle_loads_with_every_form():
    bundle = load_bundle(*read_bundle_directory(BPMN_DIR))
    assert bundle.process_id == "policy_lifecycle"
    assert set(bundle.forms) == {p.name for p in (BPMN_DIR / "forms").glob("*.schema.json")}
    assert {"policy_lifecycle.bpmn", "risk_rating.dmn"} <= set(bundle.files)


def test_the_tiny_template_is_valid_and_runs_to_its_user_task():
    """The template every bad variant below is derived from is itself fine."""
    bundle = load(TINY)
    assert (bundle.process_id, bundle.name) == ("tiny", "Tiny process")
    assert [t.element_id for t in WorkflowEngine().start(bundle, {}, NOW).ready] == ["write_note"]


def test_read_bundle_directory_finds_forms_beside_the_diagram(tmp_path):
    (tmp_path / "forms").mkdir()
    (tmp_path / "tiny.bpmn").write_text(TINY)
    (tmp_path / "forms" / FORM_NAME).write_text(json.dumps(FORM))
    diagrams, forms = read_bundle_directory(tmp_path)
    assert set(diagrams) == {"tiny.bpmn"} and set(forms) == {FORM_NAME}
    assert load_bundle(diagrams, forms).forms[FORM_NAME] == FORM


def test_read_bundle_directory_reports_a_form_that_is_not_there(tmp_path):
    (tmp_path / "tiny.bpmn").write_text(TINY)
    with pytest.raises(DiagramError) as refused:
        load_bundle(*read_bundle_directory(tmp_path))
    assert [(p.file, p.element) for p in refused.value.problems] == [("tiny.bpmn", "write_note")]
    assert FORM_NAME in refused.value.problems[0].message


# ----------------------------------------------------------------- problem format

def test_problem_string_is_file_line_element_message():
    problem = the_problem(TINY.replace(FORM_PROPERTY_LINE, ""))
    assert str(problem) == f"tiny.bpmn:{problem.line}: write_note: {problem.message}"
    assert re.fullmatch(r"tiny\.bpmn:\d+: write_note: .+", str(problem))


def test_error_message_lists_every_problem_on_its_own_line():
    diagram = TINY.replace(FORM_PROPERTY_LINE, "").replace('targetRef="end"', 'targetRef="nowhere"')
    with pytest.raises(DiagramError) as refused:
        load(diagram)
    assert str(refused.value).splitlines() == [str(p) for p in refused.value.problems]
    assert {p.element for p in refused.value.problems} == {"write_note", "flow_end"}


# ----------------------------------------------------------------- malformed and hostile XML

def test_malformed_xml_names_the_file_and_line():
    diagram = TINY.replace("</bpmn:startEvent>", "")
    problem = the_problem(diagram)
    assert problem.file == "tiny.bpmn"
    assert problem.line == line_of(diagram, "</bpmn:process>")  # where the parser noticed the mismatch
    assert "not well-formed XML" in problem.message


def test_external_entity_is_refused_and_the_file_is_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("PINEAPPLE-42")
    diagram = TINY.replace(XML_DECLARATION, XML_DECLARATION + "\n"
                           f'<!DOCTYPE bpmn:definitions [<!ENTITY leak SYSTEM "file://{secret}">]>')
    diagram = diagram.replace('name="Tiny process"', 'name="&leak;"').replace(
        '<bpmn:startEvent id="start">', '<bpmn:startEvent id="start" name="&leak;">')
    with pytest.raises(DiagramError) as refused:
        load(diagram)
    assert "PINEAPPLE" not in str(refused.value)
    assert "DOCTYPE" in str(refused.value)


def test_billion_laughs_is_refused_before_any_expansion():
    """Refused on sight of the DTD (so no time or memory is spent), not after expanding it."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1) if i > 1 else "&lol;") * 10}">' for i in range(1, 10))
    diagram = f'<?xml version="1.0"?>\n<!DOCTYPE lolz [{entities}]>\n<lolz>&lol9;</lolz>\n'
    problem = the_problem(diagram)
    assert (problem.file, problem.line) == ("tiny.bpmn", 1)
    assert "DOCTYPE and ENTITY declarations are not allowed" in problem.message


def test_doctype_after_a_long_comment_is_refused_too(tmp_path):
    """The module promises 'no DOCTYPE at all'; a comment before it must not hide one."""
    dtd = tmp_path / "external.dtd"
    dtd.write_text("<!-- nothing -->")
    diagram = TINY.replace(XML_DECLARATION, XML_DECLARATION + "\n<!-- " + "x" * 5000 + " -->\n"
                           f'<!DOCTYPE bpmn:definitions SYSTEM "file://{dtd}">')
    assert "DOCTYPE" in the_problem(diagram).message


def test_a_file_over_the_size_limit_is_refused():
    diagram = TINY.replace("</bpmn:definitions>", "<!-- " + "x" * MAX_FILE_BYTES + " -->\n</bpmn:definitions>")
    problem = the_problem(diagram)
    assert problem.file == "tiny.bpmn"
    assert f"larger than {MAX_FILE_BYTES // 1024} KiB" in problem.message


# ----------------------------------------------------------------- code in diagrams is checked at load

def test_broken_gateway_condition_names_the_flow_and_line():
    diagram = with_flow_condition("x ==== 1")
    problem = the_problem(diagram)
    assert problem.element == "flow_end"
    assert problem.line == line_of(diagram, "x ==== 1")
    assert "conditionExpression" in problem.message


def test_script_walking_to_subclasses_is_refused_naming_the_element():
    diagram = with_script_before_note("sneaky_script", "found = ().__class__.__base__.__subclasses__()")
    problem = the_problem(diagram)
    assert problem.element == "sneaky_script"
    assert problem.line == line_of(diagram, "__subclasses__")
    assert "__subclasses__" in problem.message


def test_script_importing_os_never_runs_a_command(tmp_path):
    """``import os`` compiles in RestrictedPython, so it may load; running it must fail without side effect."""
    target = tmp_path / "pwned"
    diagram = with_script_before_note("run_os", f'import os\nos.system("touch {target}")')
    try:
        bundle = load(diagram)
    except DiagramError as refused:
        assert refused.value.problems[0].element == "run_os"
    else:
        with pytest.raises(WorkflowFailure, match="run_os"):
            WorkflowEngine().start(bundle, {}, NOW)
    assert not target.exists()


def test_a_harmless_script_task_runs_and_its_result_reaches_the_next_task():
    """The same wiring as above with honest code: the restricted engine runs it and keeps its data."""
    bundle = load(with_script_before_note("add_up", "total = sum(scores)"))
    result = WorkflowEngine().start(bundle, {"scores": [2, 3, 4]}, NOW)
    assert [t.element_id for t in result.ready] == ["write_note"]
    assert result.data["total"] == 9


# ----------------------------------------------------------------- structure the engine would trip on

def test_flow_to_a_missing_element_names_the_flow():
    diagram = TINY.replace('targetRef="end"', 'targetRef="nowhere"')
    problem = the_problem(diagram)
    assert problem.element == "flow_end"
    assert problem.line == line_of(diagram, 'id="flow_end"')
    assert "nowhere" in problem.message


def test_unsupported_element_names_the_element():
    diagram = (TINY.replace('<bpmn:endEvent id="end">', '<bpmn:complexGateway id="odd_gateway">')
               .replace("</bpmn:endEvent>", "</bpmn:complexGateway>")
               .replace("<bpmn:flowNodeRef>end<", "<bpmn:flowNodeRef>odd_gateway<")
               .replace('targetRef="end"', 'targetRef="odd_gateway"'))
    problem = the_problem(diagram)
    assert problem.element == "odd_gateway"
    assert problem.line == line_of(diagram, 'id="odd_gateway"')
    assert problem.message == "There is no support implemented for this task type bpmn:complexGateway."


def test_an_engine_message_is_shown_whole_naming_the_type_it_refers_to():
    diagram = (TINY.replace(FLOW_END, FLOW_END + '\n    <bpmn:sequenceFlow id="flow_again" sourceRef="write_note" '
                            'targetRef="end" />')
               .replace("<bpmn:outgoing>flow_end</bpmn:outgoing>",
                        "<bpmn:outgoing>flow_end</bpmn:outgoing>\n      <bpmn:outgoing>flow_again</bpmn:outgoing>"))
    problem = the_problem(diagram)
    assert problem.element == "write_note"
    assert problem.message == "Multiple outgoing flows are not supported for tasks of type bpmn:userTask."


def test_a_call_activity_calling_no_process_of_the_files_names_the_call():
    diagram = (TINY.replace('<bpmn:userTask id="write_note" name="Write a note">',
                            '<bpmn:callActivity id="write_note" name="Write a note" calledElement="note_writing">')
               .replace("</bpmn:userTask>", "</bpmn:callActivity>").replace(FORM_PROPERTY_LINE, ""))
    problem = the_problem(diagram)
    assert (problem.element, problem.line) == ("write_note", line_of(diagram, 'id="write_note"'))
    assert problem.message == "the call activity calls 'note_writing', which is not a process in these files"


def test_a_schema_error_names_the_element_on_its_line():
    diagram = TINY.replace('<bpmn:endEvent id="end">', '<bpmn:endEvent id="end" colour="red">')
    problem = the_problem(diagram)
    assert (problem.element, problem.line) == ("end", line_of(diagram, 'id="end"'))
    assert "'colour' is not allowed" in problem.message


def test_process_without_id_is_reported_not_a_type_error():
    diagram = TINY.replace('<bpmn:process id="tiny"', "<bpmn:process")
    problem = the_problem(diagram)
    assert problem.line == line_of(diagram, "<bpmn:process")
    assert "no id" in problem.message


# ----------------------------------------------------------------- user tasks someone can complete

def test_user_task_without_a_form_names_the_task():
    diagram = TINY.replace(FORM_PROPERTY_LINE, "")
    problem = the_problem(diagram)
    assert (problem.element, problem.line) == ("write_note", line_of(diagram, 'id="write_note"'))
    assert "formJsonSchemaFilename" in problem.message


def test_user_task_whose_form_file_is_missing_names_the_task_and_file():
    problem = the_problem(TINY, forms={})
    assert problem.element == "write_note"
    assert FORM_NAME in problem.message


def test_user_task_in_no_lane_names_the_task():
    problem = the_problem(TINY.replace("<bpmn:flowNodeRef>write_note</bpmn:flowNodeRef>", ""))
    assert problem.element == "write_note"
    assert "no lane" in problem.message


def test_lane_that_is_not_a_role_is_reported():
    """A task in a 'nurse' lane could never be completed: the lane is named, with the valid roles."""
    diagram = TINY.replace('name="manager"', 'name="nurse"')
    problem = the_problem(diagram)
    assert problem.element == "lane_manager"
    assert problem.line == line_of(diagram, 'name="nurse"')
    assert "'nurse' is not a role" in problem.message and "manager" in problem.message


# ----------------------------------------------------------------- form names stay inside the bundle

def with_form_name(name: str) -> str:
    return TINY.replace('value="note.schema.json"', f'value="{name}"')


@pytest.mark.parametrize("name", ["../../../outside/x.json", "forms/note.schema.json", "/etc/passwd",
                                  "..", "note..schema.json", "C:note.schema.json", "C:\\forms\\note.json",
                                  "\\\\server\\share\\note.json", "sub\\note.json", " note.schema.json"])
def test_a_form_name_that_is_not_a_plain_file_name_is_a_located_problem(name):
    diagram = with_form_name(name)
    problem = the_problem(diagram, forms={name: FORM})  # refused even when a form of that name is given
    assert (problem.file, problem.line, problem.element) == ("tiny.bpmn", line_of(diagram, 'id="write_note"'),
                                                             "write_note")
    assert "plain file name" in problem.message


def bundle_folder(tmp_path, diagram: str = TINY):
    folder = tmp_path / "bundle"
    (folder / "forms").mkdir(parents=True)
    (folder / "tiny.bpmn").write_text(diagram)
    return folder


def test_reading_a_bundle_never_reads_a_form_named_outside_it(tmp_path):
    name = "../../outside/x.json"
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "x.json").write_text(json.dumps(FORM))
    diagrams, forms = read_bundle_directory(bundle_folder(tmp_path, with_form_name(name)))
    assert forms == {}  # not read; loading says why, located
    with pytest.raises(DiagramError) as refused:
        load_bundle(diagrams, forms)
    assert [(p.element, "plain file name" in p.message) for p in refused.value.problems] == [("write_note", True)]


def test_a_form_that_links_outside_the_bundle_is_refused_at_its_task(tmp_path):
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps(FORM))
    folder = bundle_folder(tmp_path)
    (folder / "forms" / FORM_NAME).symlink_to(secret)
    with pytest.raises(DiagramError) as refused:
        read_bundle_directory(folder)
    [problem] = refused.value.problems
    assert (problem.file, problem.line, problem.element) == ("tiny.bpmn", line_of(TINY, 'id="write_note"'),
                                                             "write_note")
    assert "outside the diagram's folder" in problem.message


def test_a_forms_folder_that_links_outside_the_bundle_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / FORM_NAME).write_text(json.dumps(FORM))
    folder = tmp_path / "bundle"
    folder.mkdir()
    (folder / "tiny.bpmn").write_text(TINY)
    (folder / "forms").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(DiagramError, match="outside the diagram's folder"):
        read_bundle_directory(folder)


# ----------------------------------------------------------------- every file is UTF-8 text

LATIN_1 = TINY.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace("Write a note", "Écrire une note")


@pytest.mark.parametrize("data, line", [
    (TINY.replace("Write a note", "Écrire une note").encode("latin-1"), line_of(TINY, "Write a note")),
    (LATIN_1.encode("latin-1"), line_of(TINY, "Write a note")),
    (TINY.encode("utf-16"), 1),
    (TINY.encode("utf-16-le"), 1),
    (TINY.encode("utf-16-be"), 1),
], ids=["latin-1-undeclared", "latin-1-declared", "utf-16-bom", "utf-16-le", "utf-16-be"])
def test_a_diagram_that_is_not_utf8_is_a_located_problem(data, line):
    with pytest.raises(DiagramError) as refused:
        load_bundle({"tiny.bpmn": data}, {FORM_NAME: json.dumps(FORM).encode()})
    [problem] = refused.value.problems
    assert (problem.file, problem.line) == ("tiny.bpmn", line)
    assert "not UTF-8 text" in problem.message


def test_a_utf8_diagram_declaring_another_encoding_is_refused():
    """lxml would read it as Latin-1 while we store it as UTF-8: the text validated must be the text kept."""
    problem = the_problem(TINY.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"'))
    assert problem.line == 1 and 'encoding="ISO-8859-1"' in problem.message


def test_a_utf8_diagram_keeps_its_text_exactly():
    diagram = TINY.replace("Write a note", "Écrire une note — 写笔记")
    bundle = load(diagram)
    assert bundle.files["tiny.bpmn"] == diagram


# ----------------------------------------------------------------- forms: JSON, UTF-8, shallow, no $ref

def form_problem(data: bytes) -> DiagramProblem:
    with pytest.raises(DiagramError) as refused:
        load_bundle({"tiny.bpmn": TINY.encode()}, {FORM_NAME: data})
    [problem] = refused.value.problems
    assert problem.file == FORM_NAME
    return problem


@pytest.mark.parametrize("data, words", [
    (json.dumps({**FORM, "title": "Année"}, ensure_ascii=False).encode("latin-1"), "not UTF-8 text"),
    (json.dumps(FORM).encode("utf-16"), "not UTF-8 text"),
    (json.dumps(FORM).encode("utf-16-le"), "not UTF-8 text"),
    (b'{"type": "object", "properties": {"a": ' + b'{"not": ' * 50_000 + b"{}" + b"}" * 50_000 + b"}}",
     "more than 32 levels deep"),
    (json.dumps({"type": "object", "properties": {"a": {"allOf": [{"not": {}}] * 1}}}).replace(
        '{"not": {}}', "[" * 40 + "]" * 40).encode(), "more than 32 levels deep"),
    (b'{"type": "object",\n "properties": {\n  "a": {"type": "string",}\n }\n}', "not valid JSON"),
    (b'{"type": "object", "properties": {}, "x": ' + b"9" * 5000 + b"}", "not valid JSON"),
], ids=["latin-1", "utf-16-bom", "utf-16-le", "50000-deep", "40-deep-arrays", "trailing-comma", "huge-integer"])
def test_a_form_that_cannot_be_read_is_a_located_problem(data, words):
    assert words in form_problem(data).message


def test_invalid_json_in_a_form_names_its_line():
    problem = form_problem(b'{"type": "object",\n "properties": {\n  "a": {"type": "string",}\n }\n}')
    assert problem.line == 3


def test_a_form_that_is_not_json_schema_is_judged_by_its_text_the_same_every_time():
    """The meta-schema's answer is kept by the form's text: the same text under another name, or in a
    later check, is refused the same way, at that file's field and line; a corrected form loads."""
    broken = {**FORM, "properties": {"note": {"type": "sentence", "title": "Note"}}}
    text = json.dumps(broken, indent=2).encode()
    for _ in range(2):
        problem = form_problem(text)
        assert (problem.element, problem.line) == ("note", 4)  # the line of "note": {
        assert problem.message.startswith("not a valid JSON Schema form: 'sentence' is not valid")
    with pytest.raises(DiagramError) as refused:
        load_bundle({"tiny.bpmn": TINY.replace(FORM_NAME, "other.schema.json").encode()},
                    {"other.schema.json": text})
    assert [(p.file, p.element) for p in refused.value.problems] == [("other.schema.json", "note")]
    assert load(TINY).forms[FORM_NAME] == FORM


@pytest.mark.parametrize("where", ["field", "root", "conditional"])
def test_a_ref_in_a_form_is_refused_at_deploy_naming_the_field(where):
    form = {"type": "object", "properties": {"note": {"type": "string", "title": "Note"}}, "$defs": {
        "text": {"type": "string"}}}
    if where == "field":
        form["properties"]["note"] = {"$ref": "#/$defs/text"}
    elif where == "root":
        form["$ref"] = "https://example.org/schema.json"
    else:
        form["allOf"] = [{"then": {"properties": {"note": {"$ref": "file:///etc/passwd"}}}}]
    text = json.dumps(form, indent=2)
    problem = form_problem(text.encode())
    assert "$ref is not supported" in problem.message
    assert problem.element == (None if where == "root" else "note")
    assert problem.line == next(n for n, line in enumerate(text.splitlines(), 1) if '"$ref"' in line)


def test_a_user_task_name_longer_than_the_task_index_holds_is_refused():
    diagram = TINY.replace('name="Write a note"', f'name="{"Write a very long note " * 10}"')
    problem = the_problem(diagram)
    assert (problem.element, problem.message) == ("write_note", "the user task's name is longer than 200 characters")


@pytest.mark.parametrize("due, message", [
    ("P999999999D", "dueIn 'P999999999D': timer durations longer than 1,000 years are not allowed"),
    ("PT99999999999H", "dueIn 'PT99999999999H': timer durations longer than 1,000 years are not allowed"),
    ("14 days", "dueIn '14 days' is not an ISO 8601 duration such as P14D"),
])
def test_a_due_in_beyond_the_limit_or_malformed_is_refused_at_deploy(due, message):
    diagram = TINY.replace(FORM_PROPERTY_LINE, FORM_PROPERTY_LINE +
                           f'\n          <spiffworkflow:property name="dueIn" value="{due}" />')
    problem = the_problem(diagram)
    assert (problem.element, problem.message) == ("write_note", message)


def test_a_due_in_within_the_limit_deploys():
    load(TINY.replace(FORM_PROPERTY_LINE, FORM_PROPERTY_LINE +
                      '\n          <spiffworkflow:property name="dueIn" value="P999Y" />'))
