"""Conformance of the shipped process diagram, decision tables and forms.

The app's engine relies on the contract checked here: element ids, lanes, the
``spiffworkflow:properties`` on every user task (form file, lifecycle step, data
key, what the page shows beside it, what its form starts from), the forms being
valid JSON Schema with the ``x-role`` marks pages read, the warning signs and
the review date (and the review's opening ahead of it) worked out by the diagram,
and the risk-rating DMNs (initial and residual, on the NPSA bands).
"""
import copy
import json
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import jsonschema
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from tests.answers import ANSWERS, answers_for
from workflows.engine.diagram_map import CONTEXT_PARTS, score_range
from workflows.engine.steps import DEFAULT_REVIEW_LEAD, REVIEW_LEAD_PROPERTY, REVIEW_LEAD_VARIABLE
from workflows.errors import InvalidInput
from workflows.forms import answer_rules
from workflows.forms import meaning as form_meaning
from workflows.policies.documents import SECTIONS
from workflows.scripting import restricted_script_engine

BPMN_DIR = Path(__file__).parents[2] / "bpmn"
DIAGRAM = BPMN_DIR / "policy_lifecycle.bpmn"
# spiff allows one decision per DMN file: the initial rating (before the mitigations) and the residual one.
DECISIONS = {"risk_rating_initial": BPMN_DIR / "risk_rating_initial.dmn", "risk_rating": BPMN_DIR / "risk_rating.dmn"}
FORMS = BPMN_DIR / "forms"

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
LANES = {"manager", "staff", "patient_liaison", "equality_lead", "information_governance", "employer", "insurer",
         "committee"}
LIFECYCLE_STEPS = {
    "risk_assessment", "staff_consultation", "patient_consultation", "equality_impact", "risk_reassessment",
    "revision", "information_governance", "employer_signoff", "insurer_signoff", "ratification", "publication",
    "review", "acknowledgement", "incident_review",
}
# task id -> (form file, lifecycle step, data key, lane)
USER_TASKS = {
    "draft_policy": ("draft_policy.schema.json", "risk_assessment", "policy_draft", "manager"),
    "assess_risks": ("risk_assessment.schema.json", "risk_assessment", "risk_assessment", "manager"),
    "staff_consultation": ("staff_consultation.schema.json", "staff_consultation", "staff_response", "staff"),
    "patient_consultation": ("patient_consultation.schema.json", "patient_consultation", "patient_consultation",
                             "patient_liaison"),
    "equality_impact": ("equality_impact.schema.json", "equality_impact", "equality_impact", "equality_lead"),
    "reassess_risks": ("risk_reassessment.schema.json", "risk_reassessment", "risk_assessment", "manager"),
    "revise_policy": ("revise_policy.schema.json", "revision", "policy_draft", "manager"),
    "justify_warning_signs": ("justify_warning_signs.schema.json", "revision", "warning_justification", "manager"),
    "information_governance": ("information_governance.schema.json", "information_governance",
                               "information_governance_review", "information_governance"),
    "employer_signoff": ("employer_signoff.schema.json", "employer_signoff", "employer_signoff", "employer"),
    "insurer_signoff": ("insurer_signoff.schema.json", "insurer_signoff", "insurer_signoff", "insurer"),
    "ratification": ("ratification.schema.json", "ratification", "ratification", "committee"),
    "publish_policy": ("publish_policy.schema.json", "publication", "publication", "manager"),
    "review_policy": ("review_policy.schema.json", "review", "review", "manager"),
    "acknowledge_policy": ("acknowledge_policy.schema.json", "acknowledgement", "acknowledgement", "staff"),
    "review_incident": ("incident_review.schema.json", "incident_review", "incident_review", "manager"),
    "review_incident_governance": ("incident_governance.schema.json", "incident_review", "incident_governance",
                                   "information_governance"),
}
#: Element ids of the subprocesses around the steps (issue 8), each drawn collapsed with a plane of its own.
SUBPROCESSES = {"staff_consultations", "acknowledgement_requests", "acknowledgement", "incident_review",
                "incident_governance", "suspension", "withdrawal"}
EVENT_SUBPROCESSES = {"acknowledgement": "staff", "incident_review": "manager",
                      "incident_governance": "information_governance", "suspension": "manager",
                      "withdrawal": "manager"}
#: Every step after the revision that can send the policy back to it, in order, with its "send back" answer.
SENDING_BACK = {
    "information_governance": answers_for("information_governance.schema.json", decision="changes_requested",
                                          comments="The public text overstates the law."),
    "employer_signoff": {"decision": "changes_requested", "comments": "Add the insurer."},
    "insurer_signoff": {"decision": "changes_requested", "comments": "Clarify cover."},
    "ratification": answers_for("ratification.schema.json", decision="not_approved",
                                comments="The committee wants the opt-out made clearer."),
}
#: The warning signs the diagram works out, each with its stable id.
WARNING_SIGNS = {"liaison_opposes", "liaison_opposed_unchanged", "liaison_disagrees_on_availability",
                 "employer_not_aware", "most_staff_unwilling", "low_response_rate", "preference_score_contradicts",
                 "permitted_without_conditions", "public_wording", "high_risk", "equality_stop"}
RISKS = ("medico_legal", "staff_preferences", "distraction", "duration")
STAFF = ["sam", "alex", "kim"]


# ----------------------------------------------------------------- helpers

def parse_spec():
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_file(str(DIAGRAM))
    for decision in DECISIONS.values():
        parser.add_dmn_file(str(decision))
    return parser.get_spec("policy_lifecycle"), parser.get_subprocess_specs("policy_lifecycle")


def load_form(name):
    return json.loads((FORMS / name).read_text(encoding="utf-8"))


def form_errors(name, data):
    validator = jsonschema.Draft202012Validator(load_form(name), format_checker=jsonschema.FormatChecker())
    return list(validator.iter_errors(data))


def xml_tree():
    return etree.parse(str(DIAGRAM))


def lane_of_every_node(tree) -> dict:
    """Element id -> lane name, nested elements taking the lane of the subprocess around them."""
    lanes = {ref.text: lane.get("name") for lane in tree.iterfind(".//bpmn:lane", NS)
             for ref in lane.iterfind("bpmn:flowNodeRef", NS)}
    for subprocess in tree.iterfind(".//bpmn:subProcess", NS):
        for node in subprocess.iter():
            if isinstance(node.tag, str) and node.get("id") and node is not subprocess:
                lanes.setdefault(node.get("id"), lanes.get(subprocess.get("id")))
    return lanes


def properties_of(element):
    return {
        p.get("name"): p.get("value")
        for p in element.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)
    }


POLICY = ANSWERS["draft_policy.schema.json"]


def risk_assessment(likelihood, impact):
    data = {}
    for key in RISKS:
        data[f"{key}_likelihood"] = likelihood
        data[f"{key}_impact"] = impact
        data[f"{key}_mitigations"] = "Mitigations."
    data.update(
        unreported_abnormality="Could be recorded and not acted upon.",
        conversations_recorded="Conversations could be recorded.",
        employer_aware_of_arrangements=True,
        rationale="The decision follows from the scores above.",
    )
    return data


def reassessment(likelihood=2, impact=2, residual_likelihood=1, residual_impact=2, **changes):
    """The assessment after the consultations: every risk scored before (initial) and after the
    mitigations (residual), each with an owner."""
    data = answers_for("risk_reassessment.schema.json", **risk_assessment(likelihood, impact))
    for key in RISKS:
        data[f"{key}_residual_likelihood"] = residual_likelihood
        data[f"{key}_residual_impact"] = residual_impact
    data.update(changes)
    return data


# The shared valid answers, with a mid-range risk assessment (moderate, low once mitigated) and a
# review that starts a new cycle.
SAMPLE_FORMS = {task_id: answers_for(form) for task_id, (form, *_rest) in USER_TASKS.items()}
SAMPLE_FORMS["assess_risks"] = risk_assessment(2, 2)
SAMPLE_FORMS["reassess_risks"] = reassessment()
SAMPLE_FORMS["review_policy"] = answers_for("review_policy.schema.json", outcome="full_review")
SAMPLE_FORMS["review_incident"] = {"decision": "no_review", "notes": "Handled at the time."}


def start_workflow():
    spec, subprocess_specs = parse_spec()
    # The engine's script engine: the publication's post-script counts months with its add_duration.
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=restricted_script_engine())
    # Initial data goes into the data of the READY start task before the first engine step.
    workflow.get_tasks(state=TaskState.READY)[0].data["staff_members"] = list(STAFF)
    workflow.do_engine_steps()
    return workflow


def ready_tasks(workflow):
    return workflow.get_tasks(state=TaskState.READY, manual=True)


def complete(workflow, bpmn_id, data=None):
    tasks = [t for t in ready_tasks(workflow) if t.task_spec.bpmn_id == bpmn_id]
    assert tasks, f"{bpmn_id} is not ready; ready: {[t.task_spec.bpmn_id for t in ready_tasks(workflow)]}"
    task = tasks[0]
    data = copy.deepcopy(SAMPLE_FORMS[bpmn_id] if data is None else data)
    props = task.task_spec.extensions["properties"]
    assert not form_errors(props["formJsonSchemaFilename"], data)
    task.data[props["dataKey"]] = data
    if props.get("lifecycleStep") == "publication":  # as the app's engine hands it to the post-script
        task.data[REVIEW_LEAD_VARIABLE] = props.get(REVIEW_LEAD_PROPERTY) or DEFAULT_REVIEW_LEAD
    task.run()
    workflow.do_engine_steps()
    return task


def ready_ids(workflow):
    return sorted(t.task_spec.bpmn_id for t in ready_tasks(workflow))


def run_to_consultations(workflow, likelihood=2, impact=2):
    complete(workflow, "draft_policy")
    complete(workflow, "assess_risks", risk_assessment(likelihood, impact))


def run_consultations(workflow):
    """Every member of staff and the patient liaison answer; the equality lead assesses the draft."""
    for _ in STAFF:
        complete(workflow, "staff_consultation")
    complete(workflow, "patient_consultation")
    complete(workflow, "equality_impact")


def sign_off(workflow, steps=tuple(SENDING_BACK)):
    """The revised policy through information governance, both sign-offs and the committee (or ``steps``)."""
    for task_id in steps:
        complete(workflow, task_id)


# ----------------------------------------------------------------- diagram structure

def all_task_specs():
    spec, subprocess_specs = parse_spec()
    found = dict(spec.task_specs)
    for sub in subprocess_specs.values():
        found.update(sub.task_specs)
    return found


def test_diagram_parses_with_xsd_validation():
    spec, subprocess_specs = parse_spec()
    assert spec.name == "policy_lifecycle"
    assert SUBPROCESSES <= set(subprocess_specs)
    specs = all_task_specs()
    for task_id in list(USER_TASKS) + ["start", "rate_risk", "consult_split", "consult_join", "rate_reassessed_risk",
                                       "rate_residual_risk", "reassess_first", "find_warning_signs",
                                       "warning_signs_found", "information_governance_decision", "employer_decision",
                                       "insurer_decision", "ratification_decision", "new_version_kind", "review_due",
                                       "review_decision", "supersede_acknowledgements", "review_wait",
                                       "early_review_requested", "consultation_deadline", "consultation_closed",
                                       "record_no_response", "request_acknowledgement", "incident_flagged",
                                       "tell_information_governance", "incident_flagged_to_governance"]:
        assert task_id in specs, task_id


def test_process_is_executable_in_a_collaboration():
    tree = xml_tree()
    process = tree.find("bpmn:process", NS)
    assert process.get("id") == "policy_lifecycle"
    assert process.get("isExecutable") == "true"
    assert process.get("name") == "Recording policy lifecycle"
    participants = tree.findall("bpmn:collaboration/bpmn:participant", NS)
    assert [p.get("processRef") for p in participants] == ["policy_lifecycle"]


def test_eight_lanes_and_every_node_in_its_lane():
    tree = xml_tree()
    lanes = {lane.get("name"): {ref.text for ref in lane.iterfind("bpmn:flowNodeRef", NS)}
             for lane in tree.iterfind(".//bpmn:lane", NS)}
    assert set(lanes) == LANES
    process = tree.find("bpmn:process", NS)
    flow_nodes = {el.get("id") for el in process if isinstance(el.tag, str) and etree.QName(el).localname not in
                  ("laneSet", "sequenceFlow", "documentation", "property", "extensionElements")}
    placed = [ref for refs in lanes.values() for ref in refs]
    assert sorted(placed) == sorted(flow_nodes), "every flow node must be in exactly one lane"
    nested = lane_of_every_node(tree)
    for task_id, (_, _, _, lane) in USER_TASKS.items():
        assert nested[task_id] == lane, (task_id, lane)
    for subprocess, lane in EVENT_SUBPROCESSES.items():
        assert subprocess in lanes[lane], (subprocess, lane)


def test_every_node_and_flow_has_diagram_interchange():
    tree = xml_tree()
    shapes = {s.get("bpmnElement") for s in tree.iterfind(".//bpmndi:BPMNShape", NS)}
    # Subprocesses are drawn collapsed on the main plane, their insides on a plane of their own
    # (bpmn-js' drill-down): each nested element is drawn on its subprocess's plane.
    planes = {plane.get("bpmnElement"): {s.get("bpmnElement") for s in plane.iterfind("bpmndi:BPMNShape", NS)}
              | {e.get("bpmnElement") for e in plane.iterfind("bpmndi:BPMNEdge", NS)}
              for plane in tree.iterfind(".//bpmndi:BPMNPlane", NS)}
    for subprocess in tree.iterfind(".//bpmn:subProcess", NS):
        inner = {n.get("id") for n in subprocess if isinstance(n.tag, str) and n.get("id")
                 and etree.QName(n).localname not in ("multiInstanceLoopCharacteristics", "extensionElements")}
        assert inner <= planes[subprocess.get("id")], (subprocess.get("id"), inner - planes[subprocess.get("id")])
        shape = tree.find(f".//bpmndi:BPMNShape[@bpmnElement='{subprocess.get('id')}']", NS)
        assert shape.get("isExpanded") == "false", subprocess.get("id")
    edges = {e.get("bpmnElement"): e for e in tree.iterfind(".//bpmndi:BPMNEdge", NS)}
    process = tree.find("bpmn:process", NS)
    for el in process.iter():
        if not isinstance(el.tag, str) or el.get("id") is None:
            continue
        kind = etree.QName(el).localname
        if kind == "sequenceFlow":
            assert el.get("id") in edges, el.get("id")
            assert len(edges[el.get("id")].findall("{http://www.omg.org/spec/DD/20100524/DI}waypoint")) >= 2
        elif kind.endswith(("Task", "Event", "Gateway")) or kind == "lane":
            assert el.get("id") in shapes, el.get("id")
            assert el.get("name"), f"{el.get('id')} needs a readable name"
    assert "participant_department" in shapes


def test_user_tasks_carry_form_step_key_and_instructions():
    tree = xml_tree()
    user_tasks = {t.get("id"): t for t in tree.iterfind(".//bpmn:userTask", NS)}
    assert set(user_tasks) == set(USER_TASKS)
    for task_id, element in user_tasks.items():
        form, step, key, _ = USER_TASKS[task_id]
        props = properties_of(element)
        assert props["formJsonSchemaFilename"] == form, task_id
        assert (FORMS / props["formJsonSchemaFilename"]).is_file(), form
        assert props["lifecycleStep"] == step, task_id
        assert props["dataKey"] == key, task_id
        instructions = element.find("bpmn:extensionElements/spiffworkflow:instructionsForEndUser", NS)
        assert instructions is not None and len(instructions.text.strip()) > 40, task_id
    assert properties_of(user_tasks["staff_consultation"])["assignee"] == "staff_member"
    assert properties_of(user_tasks["acknowledge_policy"])["assignee"] == "staff_member"
    assert properties_of(user_tasks["acknowledge_policy"])["dueIn"] == "P14D"


def test_all_lifecycle_steps_present():
    tree = xml_tree()
    steps = {p.get("value") for p in tree.iterfind(".//spiffworkflow:property[@name='lifecycleStep']", NS)}
    assert LIFECYCLE_STEPS <= steps


def test_parsed_specs_expose_extensions():
    spec, subprocess_specs = parse_spec()
    # One subprocess per member of staff; the user task inside takes the subprocess's lane.
    ask = subprocess_specs["staff_consultations"].task_specs["staff_consultation"]
    assert ask.lane == "staff"
    assert ask.extensions["properties"]["assignee"] == "staff_member"
    mi = spec.task_specs["staff_consultations"]
    assert mi.data_input.bpmn_id == "staff_members" and mi.data_output.bpmn_id == "staff_responses"
    assert mi.input_item.bpmn_id == "staff_member" and mi.output_item.bpmn_id == "staff_response"
    assert spec.task_specs["review_due"].extensions["properties"]["lifecycleStep"] == "review"
    # The first assessment is rated before the mitigations; the reassessment both before and after them.
    for task_id, decision, kind, step in (
            ("rate_risk", "risk_rating_initial", "initial", "risk_assessment"),
            ("rate_reassessed_risk", "risk_rating_initial", "initial", "risk_reassessment"),
            ("rate_residual_risk", "risk_rating", "residual", "risk_reassessment")):
        extensions = spec.task_specs[task_id].extensions
        assert extensions["calledDecisionId"] == decision, task_id
        assert (extensions["properties"]["riskRating"], extensions["properties"]["lifecycleStep"]) == (kind, step)
    acknowledge = subprocess_specs["acknowledgement"].task_specs["acknowledge_policy"]
    assert (acknowledge.lane, acknowledge.extensions["properties"]["lifecycleStep"]) == ("staff", "acknowledgement")
    assert subprocess_specs["incident_review"].task_specs["review_incident"].lane == "manager"
    governance = subprocess_specs["incident_governance"].task_specs["review_incident_governance"]
    assert governance.lane == "information_governance"


def test_conditions_and_timer_expression_compile():
    tree = xml_tree()
    expressions = [c.text for c in tree.iterfind(".//bpmn:conditionExpression", NS)]
    expressions += [t.text for kind in ("timeDuration", "timeDate") for t in tree.iterfind(f".//bpmn:{kind}", NS)]
    assert len(expressions) >= 6
    for text in expressions:
        compile(text, "<diagram>", "eval")
    # The review opens ahead of its date, by the publication's lead time (three months by default).
    assert tree.find(".//bpmn:intermediateCatchEvent[@id='review_due']//bpmn:timeDate", NS).text == "review_opens_at"
    publish = tree.find(".//bpmn:userTask[@id='publish_policy']", NS)
    assert properties_of(publish)["reviewLeadTime"] == DEFAULT_REVIEW_LEAD == "P3M"
    post_script = publish.find("bpmn:extensionElements/spiffworkflow:postScript", NS).text
    assert "review_due_at = " in post_script
    assert f"subtract_duration(review_due_at, {REVIEW_LEAD_VARIABLE})" in post_script
    deadline = tree.find(".//bpmn:boundaryEvent[@id='consultation_deadline']//bpmn:timeDuration", NS).text
    assert eval(deadline, {}, {}) == "P14D"


def edge_touches(shape, point, slack=2):
    """Whether a waypoint lies on (or within) a shape's bounds."""
    x, y, w, h = (float(shape.get(k)) for k in ("x", "y", "width", "height"))
    px, py = float(point.get("x")), float(point.get("y"))
    return x - slack <= px <= x + w + slack and y - slack <= py <= y + h + slack


def test_every_edge_starts_at_its_source_and_ends_at_its_target():
    """bpmn-js draws what the DI says: a flow's line must leave its source's shape and reach its target's."""
    tree = xml_tree()
    bounds = {s.get("bpmnElement"): s.find("dc:Bounds", {"dc": "http://www.omg.org/spec/DD/20100524/DC"})
              for s in tree.iterfind(".//bpmndi:BPMNShape", NS)}
    waypoint = "{http://www.omg.org/spec/DD/20100524/DI}waypoint"
    for flow in tree.iterfind(".//bpmn:sequenceFlow", NS):
        edge = tree.find(f".//bpmndi:BPMNEdge[@bpmnElement='{flow.get('id')}']", NS)
        points = edge.findall(waypoint)
        assert edge_touches(bounds[flow.get("sourceRef")], points[0]), f"{flow.get('id')} does not start at its source"
        assert edge_touches(bounds[flow.get("targetRef")], points[-1]), f"{flow.get('id')} does not reach its target"


def test_what_each_task_page_shows_and_starts_from():
    """Sign-offs see all the evidence and start empty; the revision starts from the current draft."""
    tree = xml_tree()
    tasks = {t.get("id"): properties_of(t) for t in tree.iterfind(".//bpmn:userTask", NS)}
    for task_id, props in tasks.items():
        assert set(props.get("reviewContext", "draft").split()) <= set(CONTEXT_PARTS), task_id
    for signoff in ("employer_signoff", "insurer_signoff"):
        assert set(tasks[signoff]["reviewContext"].split()) == set(CONTEXT_PARTS) - {"incidents", "published", "preference_changes"}, signoff
    for signoff in SENDING_BACK:
        assert "formStartsFrom" not in tasks[signoff], f"{signoff} must start empty every round"
        assert {"warning_signs", "risk_assessment", "governance", "signoffs", "draft"} <= \
            set(tasks[signoff]["reviewContext"].split()), signoff
    # The committee sees what the policy went through, and for a review without changes the review itself.
    assert {"consultation", "incidents", "preference_changes"} <= set(tasks["ratification"]["reviewContext"].split())
    assert tasks["revise_policy"]["formStartsFrom"] == tasks["revise_policy"]["dataKey"] == "policy_draft"
    # The reassessment starts from the latest assessment, shown beside it with the consultation.
    assert tasks["reassess_risks"]["formStartsFrom"] == tasks["reassess_risks"]["dataKey"] == "risk_assessment"
    assert {"risk_assessment", "consultation"} <= set(tasks["reassess_risks"]["reviewContext"].split())
    for task_id in ("publish_policy", "review_policy", "staff_consultation", "patient_consultation"):
        assert "formStartsFrom" not in tasks[task_id], task_id
    assert tasks["publish_policy"]["publishes"] == "policy_draft"
    # The warning signs are worked out by a script task of the revision step, after the revision.
    finder = tree.find(".//bpmn:scriptTask[@id='find_warning_signs']", NS)
    assert properties_of(finder) == {"lifecycleStep": "revision", "warningSigns": "warning_signs"}
    assert tasks["acknowledge_policy"]["reviewContext"] == "published", "staff acknowledge what was published"


# ----------------------------------------------------------------- forms

def test_every_form_is_valid_json_schema_with_titled_fields():
    files = sorted(FORMS.glob("*.schema.json"))
    assert {f.name for f in files} >= {v[0] for v in USER_TASKS.values()}
    for path in files:
        schema = json.loads(path.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["type"] == "object" and schema["title"] and schema["description"], path.name
        assert schema["additionalProperties"] is False, path.name
        assert set(schema["required"]) <= set(schema["properties"]), path.name
        for name, prop in schema["properties"].items():
            assert prop.get("title"), f"{path.name}: {name} has no title"
            assert prop.get("description"), f"{path.name}: {name} has no description"
            assert prop["type"] in ("string", "integer", "boolean", "array"), f"{path.name}: {name}"
            if "enum" in prop:
                assert set(prop["x-enumLabels"]) == set(prop["enum"]), f"{path.name}: {name}"
            if prop["type"] == "array":
                assert prop["uniqueItems"] is True and set(prop["x-enumLabels"]) == set(prop["items"]["enum"])


def test_sample_forms_are_valid():
    for task_id, data in SAMPLE_FORMS.items():
        assert not form_errors(USER_TASKS[task_id][0], data), task_id


def test_signoff_forms_require_comments_when_changes_requested():
    for name, check in (("employer_signoff.schema.json", "risk_strategy_checked"),
                        ("insurer_signoff.schema.json", "insurance_arrangements_confirmed")):
        schema = load_form(name)
        assert schema["properties"]["decision"]["enum"] == ["approved", "changes_requested"]
        assert form_errors(name, {"decision": "changes_requested"}), name
        assert form_errors(name, {"decision": "changes_requested", "comments": ""}), name
        assert not form_errors(name, {"decision": "changes_requested", "comments": "Clarify section 3."})
        assert form_errors(name, {"decision": "approved"}), f"{name}: {check} must be required to approve"
        assert form_errors(name, {"decision": "approved", check: False}), name
        assert not form_errors(name, {"decision": "approved", check: True})
    # Information governance approves or requests changes like a sign-off, on its guided choices.
    name = "information_governance.schema.json"
    assert load_form(name)["properties"]["decision"]["enum"] == ["approved", "changes_requested"]
    assert form_errors(name, answers_for(name, decision="changes_requested"))
    assert form_errors(name, answers_for(name, decision="changes_requested", comments=""))
    assert not form_errors(name, answers_for(name, decision="changes_requested", comments="Say staff may ask."))
    for field in ("patient_recordings", "trust_images", "others_captured", "reviewed_on"):
        assert form_errors(name, {k: v for k, v in answers_for(name).items() if k != field}), field


def test_ratification_records_the_committee_and_what_each_decision_needs():
    name = "ratification.schema.json"
    decision = load_form(name)["properties"]["decision"]
    assert decision["enum"] == ["approved", "approved_with_amendments", "not_approved"]
    assert form_meaning.approving_values(decision) == ["approved", "approved_with_amendments"]
    for field in ("committee", "meeting_date", "minute_reference"):
        assert form_errors(name, {k: v for k, v in answers_for(name).items() if k != field}), field
    assert form_errors(name, answers_for(name, decision="approved_with_amendments")), "amendments are recorded"
    assert form_errors(name, answers_for(name, decision="approved_with_amendments", amendments=""))
    assert not form_errors(name, answers_for(name, decision="approved_with_amendments", amendments="Typo in 4."))
    assert form_errors(name, answers_for(name, decision="not_approved")), "comments say why"
    assert not form_errors(name, answers_for(name, decision="not_approved", comments="Make the opt-out clearer."))


def test_meetings_assessments_and_reviews_are_not_dated_in_the_future():
    today = date(2026, 11, 1)
    for name, field in (("ratification.schema.json", "meeting_date"), ("equality_impact.schema.json", "assessed_on"),
                        ("information_governance.schema.json", "reviewed_on")):
        form = load_form(name)
        assert form["properties"][field]["format"] == "date" and form["properties"][field]["x-notInFuture"], name
        assert answer_rules.checked(form, answers_for(name, **{field: today.isoformat()}), today)
        try:
            answer_rules.checked(form, answers_for(name, **{field: (today + timedelta(days=1)).isoformat()}), today)
        except InvalidInput as error:
            assert [e.field for e in error.errors] == [field], name
        else:
            raise AssertionError(f"{name}: {field} in the future was accepted")


def test_equality_impact_screens_every_protected_characteristic_and_carers():
    form = load_form("equality_impact.schema.json")
    props = form["properties"]
    characteristics = {"age", "disability", "gender_reassignment", "marriage_civil_partnership",
                       "pregnancy_maternity", "race", "religion_belief", "sex", "sexual_orientation"}
    screened = {name.removeprefix("impact_") for name in props if name.startswith("impact_") and "enum" in props[name]}
    assert screened == characteristics | {"carers"}, "the nine protected characteristics, plus carers"
    assert {name.removeprefix("impact_") for name in props if props[name].get("x-flagged")} == \
        {"pregnancy_maternity", "disability"}, "the two this policy matters most for are flagged"
    for field in ("reasonable_adjustments", "language_needs", "outcome", "assessed_on"):
        assert field in form["required"], field
    assert props["outcome"]["enum"] == ["no_impact", "adjust", "stop"] and props["outcome"]["x-role"] == "outcome"
    assert "stop" not in form_meaning.approving_values(props["outcome"])


def test_the_justification_form_has_a_field_for_each_warning_sign():
    """One text per sign (``x-justifies``), each optional in the schema: the page asks for those of
    the signs found; a general justification may stand beside them."""
    form = load_form("justify_warning_signs.schema.json")
    per_sign = {prop["x-justifies"]: name for name, prop in form["properties"].items() if "x-justifies" in prop}
    assert set(per_sign) == WARNING_SIGNS
    assert all(name == f"justify_{sign}" for sign, name in per_sign.items())
    assert form["properties"]["justification"]["x-role"] == "justification"
    assert form["required"] == []
    script = xml_tree().find(".//bpmn:scriptTask[@id='find_warning_signs']/bpmn:script", NS).text
    assert set(re.findall(r'"sign": "(\w+)"', script)) == WARNING_SIGNS, "every sign the diagram finds can be justified"


def test_draft_policy_conditions_required_when_permitted_with_conditions():
    without = {k: v for k, v in POLICY.items() if k != "conditions"}
    assert form_errors("draft_policy.schema.json", without)
    assert form_errors("revise_policy.schema.json", dict(without, revision_notes="n"))
    not_permitted = {k: v for k, v in without.items()
                     if k not in ("staff_opt_out", "conversations", "unreported_abnormality_handling")}
    assert not form_errors("draft_policy.schema.json", dict(not_permitted, decision="not_permitted"))
    for key in ("response_procedure", "review_interval_months", "summary", "purpose", "contact", "scope",
                "modalities"):
        assert form_errors("draft_policy.schema.json", {k: v for k, v in POLICY.items() if k != key}), key
    assert form_errors("revise_policy.schema.json", POLICY), "revision_notes is required"


def test_revise_form_has_every_draft_field():
    draft = load_form("draft_policy.schema.json")
    revise = load_form("revise_policy.schema.json")
    assert set(revise["properties"]) == set(draft["properties"]) | {"revision_notes", "reassess_risks"}
    assert set(revise["required"]) == set(draft["required"]) | {"revision_notes"}
    # The revision offers the reassessment again; unticked (the usual answer) it sends the policy on.
    reassess = revise["properties"]["reassess_risks"]
    assert reassess["type"] == "boolean" and reassess["x-widget"] == "checkbox"
    assert reassess["default"] is False and reassess["x-startsEmpty"] is True


def test_risk_form_covers_every_risk():
    schema = load_form("risk_assessment.schema.json")
    for key in ("medico_legal", "staff_preferences", "distraction", "duration"):
        for suffix in ("likelihood", "impact"):
            prop = schema["properties"][f"{key}_{suffix}"]
            assert prop["type"] == "integer" and prop["minimum"] == 1 and prop["maximum"] == 5
            assert set(prop["x-enumLabels"]) == {"1", "2", "3", "4", "5"}
            assert f"{key}_{suffix}" in schema["required"]
        assert f"{key}_mitigations" in schema["required"]
    assert "rationale" in schema["required"]
    assert schema["properties"]["employer_aware_of_arrangements"]["type"] == "boolean"
    for key, name in (("medico_legal", "Medico-legal complications"), ("staff_preferences", "Staff preferences"),
                      ("distraction", "Distraction and stress"), ("duration", "Longer examinations")):
        for role in ("likelihood", "impact", "mitigations"):
            assert (schema["properties"][f"{key}_{role}"]["x-risk"], schema["properties"][f"{key}_{role}"]["x-role"]) \
                == (name, role)
    assert schema["properties"]["rationale"]["x-role"] == "rationale"


def test_reassessment_form_scores_each_risk_before_and_after_its_mitigations_with_an_owner():
    first = load_form("risk_assessment.schema.json")
    schema = load_form("risk_reassessment.schema.json")
    # It starts from the first assessment, so it asks everything that one did, the same way.
    for name, prop in first["properties"].items():
        assert schema["properties"][name] == prop, name
    assert set(first["required"]) <= set(schema["required"])
    for key, name in (("medico_legal", "Medico-legal complications"), ("staff_preferences", "Staff preferences"),
                      ("distraction", "Distraction and stress"), ("duration", "Longer examinations")):
        for role in ("residual_likelihood", "residual_impact"):
            prop = schema["properties"][f"{key}_{role}"]
            assert prop["type"] == "integer" and prop["minimum"] == 1 and prop["maximum"] == 5
            assert set(prop["x-enumLabels"]) == {"1", "2", "3", "4", "5"}
        for role in ("residual_likelihood", "residual_impact", "owner"):
            assert (schema["properties"][f"{key}_{role}"]["x-risk"], schema["properties"][f"{key}_{role}"]["x-role"]) \
                == (name, role)
            assert f"{key}_{role}" in schema["required"]
    assert form_errors("risk_reassessment.schema.json", answers_for("risk_reassessment.schema.json",
                                                                    medico_legal_owner=""))


def test_the_public_document_has_one_source_for_each_thing_it_says():
    """Every public field names a section of the document; there is no free-text statement beside them."""
    draft = load_form("draft_policy.schema.json")
    sections = {section_id for section_id, _heading, _intro in SECTIONS}
    public = {name: prop["x-publicSection"] for name, prop in draft["properties"].items() if "x-publicSection" in prop}
    assert set(public.values()) <= sections
    assert {"summary", "purpose", "applies_to", "may_and_may_not", "how_to_ask", "staff_preferences",
            "without_permission", "why", "where", "contact"} <= set(public.values())
    assert "policy_text" not in draft["properties"]
    for name in ("incident_reporting", "notice_before_exam", "notice_at_exam", "review_interval_months"):
        assert name not in public, f"{name} is for staff, not the public"
    assert {draft["properties"][n].get("x-role") for n in ("organisation", "owner")} == {"organisation", "owner"}


def test_decisions_and_yes_no_questions_are_marked_in_their_forms():
    for name in ("information_governance.schema.json", "employer_signoff.schema.json", "insurer_signoff.schema.json",
                 "ratification.schema.json"):
        decision = load_form(name)["properties"]["decision"]
        approving = form_meaning.approving_values(decision)
        assert decision["x-role"] == "outcome" and approving and set(approving) < set(decision["enum"]), name
    for name, field in (("review_policy.schema.json", "outcome"), ("staff_consultation.schema.json",
                                                                   "willing_to_be_filmed"),
                        ("patient_consultation.schema.json", "view")):
        assert load_form(name)["properties"][field]["x-role"] == "outcome", name
    # A truthful "no" is an answer: these questions are not confirmations that must be ticked.
    for name, field in (("risk_assessment.schema.json", "employer_aware_of_arrangements"),
                        ("patient_consultation.schema.json", "publicly_available_agreed")):
        assert not form_errors(name, answers_for(name, **{field: False})), (name, field)
    publish = load_form("publish_policy.schema.json")["properties"]
    assert publish["effective_date"]["x-role"] == "effective-date"
    assert publish["effective_date_reason"]["x-role"] == "past-date-reason"


# ----------------------------------------------------------------- running the process

#: Scores (likelihood x impact) at the edges of each NPSA band: 1-3 low, 4-6 moderate, 8-12 high, 15-25 extreme.
NPSA_BANDS = {(1, 1): "low", (1, 3): "low", (2, 2): "moderate", (2, 3): "moderate", (2, 4): "high", (3, 4): "high",
              (3, 5): "extreme", (5, 5): "extreme"}


def completed_data(workflow, bpmn_id):
    """The data of the last completed ``bpmn_id`` task."""
    return [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id == bpmn_id][-1].data


def test_both_risk_rating_dmns_cover_every_score_on_the_npsa_bands():
    """Read as the app reads them (the score range of each rule): every score falls in exactly one rule."""
    for decision_id, path in DECISIONS.items():
        root = etree.parse(str(path)).getroot()
        decision = root.find("{*}decision")
        assert decision.get("id") == decision_id
        assert decision.find(".//{*}output").get("name") == decision_id, "the rating is stored under the decision's id"
        rules = [(score_range(rule.find("{*}inputEntry/{*}text").text), rule.find("{*}outputEntry/{*}text").text)
                 for rule in decision.iter("{*}rule")]
        for score in range(1, 26):
            matching = [rating for (lowest, below), rating in rules
                        if (lowest is None or score >= lowest) and (below is None or score < below)]
            expected = "low" if score <= 3 else "moderate" if score <= 7 else "high" if score <= 14 else "extreme"
            assert matching == [f'"{expected}"'], (decision_id, score, matching)
    initial = etree.parse(str(DECISIONS["risk_rating_initial"])).find(".//{*}inputExpression/{*}text").text
    residual = etree.parse(str(DECISIONS["risk_rating"])).find(".//{*}inputExpression/{*}text").text
    assert "_residual_" not in initial and all(f'"{key}_likelihood"' in initial for key in RISKS)
    assert all(f'"{key}_residual_likelihood"' in residual and f'"{key}_residual_impact"' in residual for key in RISKS)


def test_the_initial_risk_is_rated_on_the_npsa_bands():
    for (likelihood, impact), expected in NPSA_BANDS.items():
        workflow = start_workflow()
        run_to_consultations(workflow, likelihood, impact)
        assert completed_data(workflow, "rate_risk")["risk_rating_initial"] == expected, (likelihood, impact)
        assert "risk_rating" not in completed_data(workflow, "rate_risk"), "no residual rating before the reassessment"
    # the highest single risk decides
    workflow = start_workflow()
    complete(workflow, "draft_policy")
    mixed = dict(risk_assessment(1, 1), distraction_likelihood=5, distraction_impact=3)
    complete(workflow, "assess_risks", mixed)
    assert completed_data(workflow, "rate_risk")["risk_rating_initial"] == "extreme"


def run_to_reassessment(workflow, reassessed=None):
    run_to_consultations(workflow)
    run_consultations(workflow)
    complete(workflow, "reassess_risks", reassessed)


def test_the_reassessment_rates_the_initial_and_the_residual_risk_on_the_npsa_bands():
    for ((likelihood, impact), initial), ((residual_likelihood, residual_impact), residual) in zip(
            NPSA_BANDS.items(), reversed(NPSA_BANDS.items()), strict=True):
        workflow = start_workflow()
        run_to_reassessment(workflow, reassessment(likelihood, impact, residual_likelihood, residual_impact))
        data = ready_tasks(workflow)[0].data
        assert (data["risk_rating_initial"], data["risk_rating"]) == (initial, residual), (likelihood, impact)
    # the highest single residual risk decides
    workflow = start_workflow()
    run_to_reassessment(workflow, reassessment(1, 1, 1, 1, distraction_residual_likelihood=3,
                                               distraction_residual_impact=4))
    data = ready_tasks(workflow)[0].data
    assert (data["risk_rating_initial"], data["risk_rating"]) == ("low", "high")


def test_staff_consultation_runs_one_instance_per_staff_member():
    workflow = start_workflow()
    run_to_consultations(workflow)
    staff_tasks = workflow.get_tasks(state=TaskState.READY, manual=True, lane="staff")
    assert sorted(t.data["staff_member"] for t in staff_tasks) == sorted(STAFF)
    assert all(t.task_spec.extensions["properties"]["assignee"] == "staff_member" for t in staff_tasks)
    # the equality impact assessment runs beside both consultations
    assert ready_ids(workflow) == ["equality_impact", "patient_consultation"] + ["staff_consultation"] * 3
    assert [t.task_spec.lane for t in ready_tasks(workflow) if t.task_spec.bpmn_id == "equality_impact"] == \
        ["equality_lead"]
    for _ in STAFF:
        complete(workflow, "staff_consultation")
    complete(workflow, "patient_consultation")
    assert ready_ids(workflow) == ["equality_impact"], "the risks are reassessed once all three are done"
    complete(workflow, "equality_impact")
    # the risks are assessed again after both consultations, before the revision
    assert ready_ids(workflow) == ["reassess_risks"]
    reassess = ready_tasks(workflow)[0]
    assert len(reassess.data["staff_responses"]) == 3
    assert all(isinstance(r, dict) for r in reassess.data["staff_responses"])
    assert reassess.data["patient_consultation"]["view"] == "support"
    assert reassess.data["equality_impact"]["outcome"] == "adjust"
    assert reassess.data["risk_assessment"] == SAMPLE_FORMS["assess_risks"], "it starts from the first assessment"
    complete(workflow, "reassess_risks")
    assert ready_ids(workflow) == ["revise_policy"]


def test_the_revision_offers_the_reassessment_again():
    workflow = start_workflow()
    run_to_reassessment(workflow)
    complete(workflow, "revise_policy", answers_for("revise_policy.schema.json", reassess_risks=True))
    assert ready_ids(workflow) == ["reassess_risks"]
    assert ready_tasks(workflow)[0].data["risk_assessment"] == SAMPLE_FORMS["reassess_risks"], \
        "it starts from the latest assessment"
    complete(workflow, "reassess_risks", reassessment(residual_likelihood=3, residual_impact=3))
    assert ready_ids(workflow) == ["revise_policy"]
    assert ready_tasks(workflow)[0].data["risk_rating"] == "high"
    complete(workflow, "revise_policy", answers_for("revise_policy.schema.json", reassess_risks=False))
    assert ready_ids(workflow) == ["justify_warning_signs"], "the high residual risk is a warning sign"
    # after a request for changes, the revision offers it again
    complete(workflow, "justify_warning_signs", {"justify_high_risk": "The measures are in place."})
    complete(workflow, "information_governance")
    complete(workflow, "employer_signoff", SENDING_BACK["employer_signoff"])
    complete(workflow, "revise_policy", answers_for("revise_policy.schema.json", reassess_risks=True))
    complete(workflow, "reassess_risks")
    complete(workflow, "revise_policy")
    assert ready_ids(workflow) == ["information_governance"], "reassessed to a low residual risk: no warning sign"


def test_every_request_for_changes_goes_back_to_the_revision_and_through_every_review_again():
    for sender, answers in SENDING_BACK.items():
        workflow = start_workflow()
        run_to_reassessment(workflow)
        complete(workflow, "revise_policy")
        steps = list(SENDING_BACK)
        sign_off(workflow, steps[:steps.index(sender)])
        complete(workflow, sender, answers)
        assert ready_ids(workflow) == ["revise_policy"], sender
        revise = ready_tasks(workflow)[0]
        assert revise.data[USER_TASKS[sender][2]]["comments"] == answers["comments"], "the revision sees why"
        complete(workflow, "revise_policy")
        # information governance, both sign-offs and the committee again, in order
        for step in SENDING_BACK:
            assert ready_ids(workflow) == [step], (sender, step)
            complete(workflow, step)
        assert ready_ids(workflow) == ["publish_policy"], sender


def test_the_committee_may_approve_with_amendments():
    workflow = start_workflow()
    run_to_reassessment(workflow)
    complete(workflow, "revise_policy")
    sign_off(workflow, ("information_governance", "employer_signoff", "insurer_signoff"))
    complete(workflow, "ratification", answers_for("ratification.schema.json", decision="approved_with_amendments",
                                                   amendments="Section 4: 'sonographer' for 'radiographer'."))
    assert ready_ids(workflow) == ["publish_policy"]


def fire_review_timer(workflow):
    """Let the review's opening come (the gateway waiting for it, or for an early review)."""
    gateways = [t for t in workflow.get_tasks(state=TaskState.WAITING) if t.task_spec.bpmn_id == "review_wait"]
    assert len(gateways) == 1
    gateways[0].internal_data["event_fired"] = True
    workflow.refresh_timers()
    workflow.do_engine_steps()


def acknowledgements(workflow, state=TaskState.READY):
    return [t for t in workflow.get_tasks(state=state) if t.task_spec.bpmn_id == "acknowledge_policy"]


def test_send_back_paths_and_review_cycle():
    workflow = start_workflow()
    run_to_reassessment(workflow)
    complete(workflow, "revise_policy")
    # employer sends back
    complete(workflow, "information_governance")
    complete(workflow, "employer_signoff", SENDING_BACK["employer_signoff"])
    assert ready_ids(workflow) == ["revise_policy"]
    complete(workflow, "revise_policy")
    sign_off(workflow)
    assert ready_ids(workflow) == ["publish_policy"]
    complete(workflow, "publish_policy")
    # every member of staff is asked to acknowledge what was published
    assert ready_ids(workflow) == ["acknowledge_policy"] * 3
    for _ in STAFF:
        complete(workflow, "acknowledge_policy", {"read_and_understood": True})

    # the review timer waits (inside the gateway that also waits for an early review) ...
    assert ready_tasks(workflow) == []
    gateways = [t for t in workflow.get_tasks(state=TaskState.WAITING) if t.task_spec.bpmn_id == "review_wait"]
    assert len(gateways) == 1
    workflow.refresh_timers()
    workflow.do_engine_steps()
    assert ready_tasks(workflow) == []
    # ... and fires once due
    gateways[0].internal_data["event_value"] = "2000-01-01T00:00:00+00:00"
    workflow.refresh_timers()
    workflow.do_engine_steps()
    assert ready_ids(workflow) == ["review_policy"]
    complete(workflow, "review_policy", {"outcome": "no_changes", "review_notes": "Still right."})
    # a review without changes: the committee confirms it, then it is republished
    assert ready_ids(workflow) == ["ratification"]
    assert ready_tasks(workflow)[0].data["republished_unchanged"] is True
    complete(workflow, "ratification")
    assert ready_ids(workflow) == ["publish_policy"]
    complete(workflow, "publish_policy")
    assert ready_ids(workflow) == [], "nobody acknowledges the same text again"
    fire_review_timer(workflow)
    complete(workflow, "review_policy", {"outcome": "full_review", "review_notes": "Practice changed."})
    assert ready_ids(workflow) == ["draft_policy"]

    # a whole new cycle, consultations included
    run_to_consultations(workflow, 4, 4)
    assert ready_ids(workflow) == ["equality_impact", "patient_consultation"] + ["staff_consultation"] * 3
    run_consultations(workflow)
    reassess = ready_tasks(workflow)[0]
    assert len(reassess.data["staff_responses"]) == 3
    assert reassess.data["risk_rating_initial"] == "extreme"
    complete(workflow, "reassess_risks")
    complete(workflow, "revise_policy")
    sign_off(workflow)
    complete(workflow, "publish_policy")
    assert ready_ids(workflow) == ["acknowledge_policy"] * 3, "a new version is acknowledged again"


def test_a_review_without_changes_republishes_without_asking_for_acknowledgements():
    workflow = published_workflow()
    asked = {t.id for t in acknowledgements(workflow)}
    assert len(asked) == 3
    fire_review_timer(workflow)
    complete(workflow, "review_policy", answers_for("review_policy.schema.json", outcome="no_changes"))
    complete(workflow, "ratification")
    complete(workflow, "publish_policy")
    # the requests of the version everyone has still stand: none closed, none added
    assert {t.id for t in acknowledgements(workflow)} == asked
    assert not acknowledgements(workflow, TaskState.CANCELLED)
    assert [t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.WAITING)
            if t.task_spec.bpmn_id == "review_wait"] == ["review_wait"], "and the next review waits"
    # the committee may not confirm it: it goes back to the manager and through every review
    fire_review_timer(workflow)
    complete(workflow, "review_policy", answers_for("review_policy.schema.json", outcome="no_changes"))
    complete(workflow, "ratification", SENDING_BACK["ratification"])
    assert ready_ids(workflow) == ["acknowledge_policy"] * 3 + ["revise_policy"]
    complete(workflow, "revise_policy")
    sign_off(workflow)
    complete(workflow, "publish_policy")
    # revised, it is a new version: the earlier requests close and everyone is asked again
    assert len(acknowledgements(workflow, TaskState.CANCELLED)) == 3
    assert len(acknowledgements(workflow)) == 3 and not {t.id for t in acknowledgements(workflow)} & asked


# ----------------------------------------------------------------- warning signs and the review date

def run_to_revision(workflow, risk=None, staff=("willing", "willing", "willing"), liaison=None, reassessed=None,
                    equality=None):
    """Draft, assess, consult (a None in ``staff`` does not answer before the manager closes the
    consultation), assess the equality impact and reassess the risks: the revision is ready."""
    complete(workflow, "draft_policy")
    complete(workflow, "assess_risks", risk or risk_assessment(2, 2))
    for answer in staff:
        if answer is not None:
            complete(workflow, "staff_consultation", {"willing_to_be_filmed": answer})
    if None in staff:
        send(workflow, "signal", "consultation_closed")
    complete(workflow, "patient_consultation", liaison or SAMPLE_FORMS["patient_consultation"])
    complete(workflow, "equality_impact", equality)
    complete(workflow, "reassess_risks", reassessed or SAMPLE_FORMS["reassess_risks"])
    assert ready_ids(workflow) == ["revise_policy"]
    return ready_tasks(workflow)[0]


def signs_after_revision(workflow, revision=None) -> list[str]:
    """Revise the policy; the ids of the warning signs the diagram then finds."""
    complete(workflow, "revise_policy", revision)
    return [w["sign"] for w in ready_tasks(workflow)[0].data["warning_signs"]]


def test_no_warning_sign_goes_straight_to_information_governance():
    workflow = start_workflow()
    run_to_revision(workflow, staff=("willing", "not_willing", "willing"))
    assert signs_after_revision(workflow) == []
    assert ready_ids(workflow) == ["information_governance"]


#: For each warning sign, what makes it the only one (or, for a sign that refines another, the two of them).
REVISED = answers_for("revise_policy.schema.json", summary="You may photograph the screen at the end of the scan.")
SIGN_CASES = {
    "liaison_opposes": ({"liaison": answers_for("patient_consultation.schema.json", view="oppose")}, REVISED,
                        ["liaison_opposes"]),
    "liaison_opposed_unchanged": ({"liaison": answers_for("patient_consultation.schema.json", view="oppose")},
                                  answers_for("revise_policy.schema.json", reassess_risks=False),
                                  ["liaison_opposes", "liaison_opposed_unchanged"]),
    "liaison_disagrees_on_availability": (
        {"liaison": answers_for("patient_consultation.schema.json", publicly_available_agreed=False)}, None,
        ["liaison_disagrees_on_availability"]),
    "employer_not_aware": ({"reassessed": reassessment(employer_aware_of_arrangements=False)}, None,
                           ["employer_not_aware"]),
    "most_staff_unwilling": ({"staff": ("not_willing", "not_willing", "willing"), "reassessed": reassessment(3, 2)},
                             None, ["most_staff_unwilling"]),
    "low_response_rate": ({"staff": ("willing", None, None)}, None, ["low_response_rate"]),
    "preference_score_contradicts": ({"staff": ("not_willing", "not_willing", "willing")}, None,
                                     ["most_staff_unwilling", "preference_score_contradicts"]),
    "permitted_without_conditions": ({}, answers_for("revise_policy.schema.json", decision="permitted"),
                                     ["permitted_without_conditions"]),
    "public_wording": ({}, answers_for("revise_policy.schema.json", covert_recording="Recording without telling "
                                       "staff is illegal: staff will confiscate your phone."), ["public_wording"]),
    "high_risk": ({"reassessed": reassessment(1, 1, 3, 3)}, None, ["high_risk"]),
    "equality_stop": ({"equality": answers_for("equality_impact.schema.json", outcome="stop")}, None,
                      ["equality_stop"]),
}


def test_each_warning_sign_is_found_and_needs_its_own_justification_before_the_reviews():
    assert set(SIGN_CASES) == WARNING_SIGNS
    form = load_form("justify_warning_signs.schema.json")
    for sign, (changes, revision, expected) in SIGN_CASES.items():
        workflow = start_workflow()
        run_to_revision(workflow, **changes)
        assert signs_after_revision(workflow, revision) == expected, sign
        assert ready_ids(workflow) == ["justify_warning_signs"], sign
        justify = ready_tasks(workflow)[0]
        assert all(w["text"] for w in justify.data["warning_signs"]), sign
        answers = {f"justify_{found}": f"Why we go ahead despite {found}." for found in expected}
        assert all(form["properties"][field]["x-justifies"] == field.removeprefix("justify_") for field in answers)
        complete(workflow, "justify_warning_signs", answers)
        assert ready_ids(workflow) == ["information_governance"], sign
        assert ready_tasks(workflow)[0].data["warning_justification"] == answers


def test_warning_signs_that_do_not_apply_are_not_found():
    cases = {
        # most staff unwilling counts those who answered: 1 of the 2 who answered is not most
        "one of two who answered is unwilling": ({"staff": ("not_willing", "willing", None)}, None, []),
        # ... and the one who answered, unwilling, is most; the two who did not make the response rate low
        "the only one who answered is unwilling": ({"staff": ("not_willing", None, None)}, None,
                                                   ["most_staff_unwilling", "low_response_rate",
                                                    "preference_score_contradicts"]),
        "nobody answered": ({"staff": (None, None, None)}, None, ["low_response_rate"]),
        "a liaison group that supports an unchanged policy": ({}, answers_for("revise_policy.schema.json"), []),
        "a policy changed since the opposing group saw it": (
            {"liaison": answers_for("patient_consultation.schema.json", view="oppose")}, REVISED, ["liaison_opposes"]),
        "permitted with conditions": ({}, answers_for("revise_policy.schema.json",
                                                      decision="permitted_with_conditions"), []),
        "not permitted": ({}, {k: v for k, v in answers_for("revise_policy.schema.json", decision="not_permitted")
                               .items() if k not in ("conditions", "staff_opt_out", "conversations",
                                                     "unreported_abnormality_handling")}, []),
        # "not allowed" alone does not overstate the law; revision notes are not public text
        "plain wording, and notes about the wording": ({}, answers_for(
            "revise_policy.schema.json", revision_notes="Took out 'illegal' and 'must delete', as IG asked."), []),
        "a high initial risk, mitigated to moderate": ({"reassessed": reassessment(4, 4, 2, 3)}, None, []),
        "a moderate residual risk": ({"reassessed": reassessment(3, 3, 2, 3)}, None, []),
        "an extreme residual risk": ({"reassessed": reassessment(5, 5, 4, 4)}, None, ["high_risk"]),
    }
    for case, (changes, revision, expected) in cases.items():
        workflow = start_workflow()
        run_to_revision(workflow, **changes)
        assert signs_after_revision(workflow, revision) == expected, case


def test_a_warning_sign_is_found_again_after_each_revision():
    workflow = start_workflow()
    run_to_revision(workflow, liaison=answers_for("patient_consultation.schema.json", view="oppose"))
    assert signs_after_revision(workflow) == ["liaison_opposes", "liaison_opposed_unchanged"]
    complete(workflow, "justify_warning_signs",
             {"justify_liaison_opposes": "a", "justify_liaison_opposed_unchanged": "b"})
    complete(workflow, "information_governance", SENDING_BACK["information_governance"])
    assert signs_after_revision(workflow, REVISED) == ["liaison_opposes"], "the revision changed the policy"
    assert ready_tasks(workflow)[0].data["warning_justification"]["justify_liaison_opposes"] == "a", \
        "the justification starts from the last one"


def publish_with(effective, months, lead_time=None):
    workflow = start_workflow()
    run_to_revision(workflow)
    complete(workflow, "revise_policy", answers_for("revise_policy.schema.json", review_interval_months=months))
    sign_off(workflow)
    task = complete(workflow, "publish_policy", answers_for("publish_policy.schema.json", effective_date=effective))
    return task.data["review_due_at"], task.data["review_opens_at"]


def test_the_review_date_is_counted_from_the_effective_date_and_the_review_opens_three_months_before():
    assert publish_with("2027-03-15", 12) == ("2028-03-15T00:00:00+00:00", "2027-12-15T00:00:00+00:00")
    # a leap year's last day of February; an interval no longer than the lead time opens the review
    # as the policy takes effect, never before it
    assert publish_with("2027-11-30", 3) == ("2028-02-29T00:00:00+00:00", "2027-11-30T00:00:00+00:00")
    assert publish_with("2027-01-31", 1) == ("2027-02-28T00:00:00+00:00", "2027-01-31T00:00:00+00:00")
    assert publish_with("2027-01-31", 4) == ("2027-05-31T00:00:00+00:00", "2027-02-28T00:00:00+00:00")
    assert publish_with("2027-05-01", 36) == ("2030-05-01T00:00:00+00:00", "2030-02-01T00:00:00+00:00")


def engine_walk(bundle, engine, now, answers=None):
    """Through the app's engine: from the start to the publication, each task with its sample answers."""
    answers = answers or {}
    result = engine.start(bundle, {"policy": {"title": "T", "department": "D"}, "staff_members": list(STAFF)}, now)
    while result.ready:
        task = result.ready[0]
        given = answers.get(task.element_id, SAMPLE_FORMS.get(task.element_id))
        result = engine.complete(bundle, result.state, task.id, given, now)
        if task.element_id == "publish_policy":
            return result
    raise AssertionError("the policy was not published")


def test_the_review_opens_three_months_before_the_review_date_in_the_engine():
    """The engine hands the publication's reviewLeadTime to its post-script; the review timer waits for the opening."""
    from workflows.engine.specs import load_bundle, read_bundle_directory
    from workflows.engine.steps import WorkflowEngine

    bundle = load_bundle(*read_bundle_directory(BPMN_DIR))
    engine, now = WorkflowEngine(), datetime(2027, 3, 1, tzinfo=timezone.utc)
    published = engine_walk(bundle, engine, now, {
        "revise_policy": answers_for("revise_policy.schema.json", review_interval_months=12),
        "publish_policy": answers_for("publish_policy.schema.json", effective_date="2027-03-15")})
    assert published.data["review_due_at"] == "2028-03-15T00:00:00+00:00"
    opens = datetime(2027, 12, 15, tzinfo=timezone.utc)
    assert ("review_due", opens) in published.timers
    before = engine.fire_due_timers(bundle, published.state, opens - timedelta(seconds=1))
    assert "review_policy" not in [t.element_id for t in before.ready]
    due = engine.fire_due_timers(bundle, published.state, opens)
    assert "review_policy" in [t.element_id for t in due.ready]


# ----------------------------------------------------------------- around the steps (issue 8)

def send(workflow, kind, name, payload=None):
    """Deliver a message or signal from outside, as the app's engine does."""
    from SpiffWorkflow.bpmn.util.event import BpmnEvent
    from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition, SignalEventDefinition

    definition = {"message": MessageEventDefinition, "signal": SignalEventDefinition}[kind](name)
    workflow.send_event(BpmnEvent(definition, payload=payload))
    workflow.do_engine_steps()


def staff_task(workflow, username):
    return next(t for t in ready_tasks(workflow) if t.data.get("staff_member") == username
                and t.task_spec.bpmn_id == "staff_consultation")


def published_workflow():
    workflow = start_workflow()
    run_to_reassessment(workflow)
    complete(workflow, "revise_policy")
    sign_off(workflow)
    complete(workflow, "publish_policy")
    return workflow


def test_the_consultation_deadline_records_who_did_not_answer_and_moves_on():
    workflow = start_workflow()
    run_to_consultations(workflow)
    sam = staff_task(workflow, "sam")
    sam.data["staff_response"] = answers_for("staff_consultation.schema.json")
    sam.run()
    workflow.do_engine_steps()
    deadlines = [t for t in workflow.get_tasks(state=TaskState.WAITING) if t.task_spec.bpmn_id == "consultation_deadline"]
    assert len(deadlines) == 2, "one deadline for each member of staff who has not answered"
    for deadline in deadlines:
        deadline.internal_data["event_fired"] = True
    workflow.refresh_timers()
    workflow.do_engine_steps()
    complete(workflow, "patient_consultation")
    complete(workflow, "equality_impact")
    assert ready_ids(workflow) == ["reassess_risks"]
    responses = ready_tasks(workflow)[0].data["staff_responses"]
    assert sorted("willing_to_be_filmed" in r for r in responses) == [False, False, True]
    assert [r for r in responses if "willing_to_be_filmed" not in r] == [{"responded": False}] * 2


def test_the_manager_can_close_the_consultation_early():
    workflow = start_workflow()
    run_to_consultations(workflow)
    complete(workflow, "staff_consultation")
    send(workflow, "signal", "consultation_closed")
    assert ready_ids(workflow) == ["equality_impact", "patient_consultation"], \
        "the staff tasks close; the patient liaison's and the equality lead's stay"
    complete(workflow, "patient_consultation")
    complete(workflow, "equality_impact")
    responses = ready_tasks(workflow)[0].data["staff_responses"]
    assert len(responses) == 3 and sum(r == {"responded": False} for r in responses) == 2


INCIDENT = {"occurred_on": "2026-12-02", "description": "Filming continued after being asked to stop.",
            "action_taken": "Scan paused; the lead spoke to the family."}


def test_an_incident_review_can_start_an_early_review():
    workflow = published_workflow()
    for _ in STAFF:
        complete(workflow, "acknowledge_policy", {"read_and_understood": True})
    send(workflow, "message", "incident_reported", INCIDENT)
    review = next(t for t in ready_tasks(workflow) if t.task_spec.bpmn_id == "review_incident")
    assert review.data["incident"] == INCIDENT and review.task_spec.lane == "manager"
    assert ready_ids(workflow) == ["review_incident"], "an incident of today's fields is not flagged"
    complete(workflow, "review_incident", {"decision": "early_review", "notes": "Notices were missing."})
    assert ready_ids(workflow) == ["review_policy"], "the review comes now, not on its date"
    assert not [t for t in workflow.get_tasks(state=TaskState.WAITING) if t.task_spec.bpmn_id == "review_wait"]


def test_an_incident_needing_no_review_leaves_the_review_date_alone():
    workflow = published_workflow()
    send(workflow, "message", "incident_reported", {"occurred_on": "2026-12-02", "description": "d", "action_taken": "a"})
    complete(workflow, "review_incident")
    assert "review_policy" not in ready_ids(workflow)
    assert [t for t in workflow.get_tasks(state=TaskState.WAITING) if t.task_spec.bpmn_id == "review_wait"]


def test_an_incident_capturing_other_patients_or_escalated_to_it_goes_to_information_governance_too():
    flagged = {
        "other patients captured": dict(INCIDENT, other_patients_captured=True, escalated_to=[]),
        "escalated to information governance": dict(INCIDENT, other_patients_captured=False,
                                                     escalated_to=["security", "information_governance"]),
    }
    for case, incident in flagged.items():
        workflow = published_workflow()
        send(workflow, "message", "incident_reported", incident)
        governance = [t for t in ready_tasks(workflow) if t.task_spec.bpmn_id == "review_incident_governance"]
        assert len(governance) == 1, case
        assert governance[0].task_spec.lane == "information_governance"
        assert governance[0].data["flagged_incident"] == incident, case
        assert "review_incident" in ready_ids(workflow), "the manager reviews it as well"
        complete(workflow, "review_incident_governance")
        assert "review_incident_governance" not in ready_ids(workflow)
    for case, incident in {"neither": dict(INCIDENT, other_patients_captured=False, escalated_to=["police"]),
                           "today's fields only": INCIDENT}.items():
        workflow = published_workflow()
        send(workflow, "message", "incident_reported", incident)
        assert "review_incident_governance" not in ready_ids(workflow), case


def test_staff_who_join_later_are_asked_to_acknowledge():
    workflow = published_workflow()
    send(workflow, "message", "acknowledgement_requested", "newbie")
    asked = sorted(t.data["staff_member"] for t in ready_tasks(workflow) if t.task_spec.bpmn_id == "acknowledge_policy")
    assert asked == sorted([*STAFF, "newbie"])


def test_suspension_waits_for_resumption_beside_the_review_wait():
    workflow = published_workflow()
    send(workflow, "message", "policy_suspended", {"reason": "Under investigation."})
    waiting = {t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.WAITING)}
    assert {"policy_resumed", "review_wait"} <= waiting
    send(workflow, "message", "policy_resumed", {"reason": "Investigation closed."})
    waiting = {t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.WAITING)}
    assert "policy_resumed" not in waiting and "review_wait" in waiting


def test_withdrawal_interrupts_everything_and_ends_the_lifecycle():
    """SpiffWorkflow runs event subprocesses as non-interrupting; the engine makes this one interrupt."""
    from datetime import datetime, timezone

    from workflows.engine.specs import load_bundle, read_bundle_directory
    from workflows.engine.steps import WorkflowEngine

    bundle = load_bundle(*read_bundle_directory(BPMN_DIR))
    engine, now = WorkflowEngine(), datetime(2026, 12, 1, tzinfo=timezone.utc)
    result = engine.start(bundle, {"policy": {"title": "T", "department": "D"}, "staff_members": list(STAFF)}, now)
    result = engine.complete(bundle, result.state, result.ready[0].id, SAMPLE_FORMS["draft_policy"], now)
    assert [t.element_id for t in result.ready] == ["assess_risks"]
    withdrawn = engine.send_event(bundle, result.state, "policy_withdrawn", {"reason": "Replaced."}, now)
    assert withdrawn.completed and withdrawn.ready == [] and withdrawn.timers == []


def test_an_event_leaves_the_shared_parsed_spec_as_it_was():
    """SpiffWorkflow connects an event subprocess to the start when its event first arrives, in
    the parsed spec that every workflow of the version shares; the engine undoes that, so a
    workflow started later is built exactly like one started before."""
    from datetime import datetime, timezone

    from workflows.engine.specs import load_bundle, read_bundle_directory
    from workflows.engine.steps import WorkflowEngine

    bundle = load_bundle(*read_bundle_directory(BPMN_DIR))
    engine, now = WorkflowEngine(), datetime.now(timezone.utc)
    data = {"policy": {"title": "T", "department": "D"}, "staff_members": list(STAFF)}
    outputs = list(bundle.spec.start.outputs)
    before = engine.start(bundle, data, now)
    engine.send_event(bundle, before.state, "incident_reported", {"occurred_on": "2026-01-01", "description": "d",
                                                                  "action_taken": "a"}, now)
    assert bundle.spec.start.outputs == outputs
    after = engine.start(bundle, data, now)
    shape = [(len(json.loads(r.state)["tasks"]), len(json.loads(r.state)["subprocesses"])) for r in (before, after)]
    assert shape[0] == shape[1]
