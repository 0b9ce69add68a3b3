"""An existing database is upgraded by the migrations, running policies included.

Before the workflow state moved to its own table, each policy row carried its
workflow as SpiffWorkflow serialized it, with a full copy of the process spec.
A database written then is built here at that schema revision, with a policy in
the middle of its consultation, and upgraded: the policy carries on to
publication, its people see the tasks they had, with their instructions.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import text

from tests.answers import answers_for
from tests.conftest import add_people, make_services
from tests.lifecycle import approve_and_publish, consult, revise, stored_workflow
from workflows.engine.specs import content_hash, parse_xml, read_bundle_directory
from workflows.scripting import restricted_script_engine
from workflows.storage.database import Database
from workflows.wiring import BPMN_DIR

BEFORE_STATE_TABLE = "8e17a3cdec2e"
STARTED = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def legacy_workflow(files: dict[str, str]) -> BpmnWorkflow:
    """A policy's workflow as the old engine left it: drafted, risks assessed, consultation open."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    for name, body in files.items():
        if name.endswith(".dmn"):
            parser.add_dmn_xml(parse_xml(name, body.encode()), filename=name)
        elif name.endswith(".bpmn"):
            parser.add_bpmn_xml(parse_xml(name, body.encode()), filename=name)
    workflow = BpmnWorkflow(parser.get_spec("policy_lifecycle"), parser.get_subprocess_specs("policy_lifecycle"),
                            script_engine=restricted_script_engine())
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update({"policy": {"title": "Filming in ultrasound", "department": "Ultrasound"},
                          "staff_members": ["alex", "kim", "sam"]})
    workflow.do_engine_steps()
    for data_key, form in (("policy_draft", "draft_policy.schema.json"), ("risk_assessment", "risk_assessment.schema.json")):
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data[data_key] = answers_for(form)
        task.run()
        workflow.do_engine_steps()
    return workflow


def write_legacy_database(url: str) -> int:
    database = Database(url)
    database.create_schema(BEFORE_STATE_TABLE)
    diagrams, forms = read_bundle_directory(BPMN_DIR)
    files = {name: data.decode() for name, data in {**diagrams, **forms}.items()}
    workflow = legacy_workflow(files)
    saved = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG)).serialize_json(workflow)
    assert '"spec"' in saved  # the old format: a copy of the spec in every policy
    with database.engine.begin() as connection:
        department = connection.execute(text("insert into departments (name) values ('Ultrasound') returning id"))
        department = department.scalar_one()
        version = connection.execute(text(
            "insert into process_versions (process_id, name, version, content_hash, files, created_by, created_at) "
            "values ('policy_lifecycle', 'Recording policy lifecycle', 1, :hash, :files, 'system', :at) returning id"),
            {"hash": content_hash(files), "files": json.dumps(files), "at": STARTED}).scalar_one()
        policy = connection.execute(text(
            "insert into policies (title, department_id, process_version_id, status, workflow, version, draft, "
            "risk_rating, created_by, created_at, updated_at) values ('Filming in ultrasound', :department, "
            ":version, 'in_progress', :workflow, 3, :draft, 'medium', 'mary', :at, :at) returning id"),
            {"workflow": saved, "draft": json.dumps(answers_for("draft_policy.schema.json")), "at": STARTED,
             "department": department, "version": version}).scalar_one()
        for task in workflow.get_tasks(state=TaskState.READY, manual=True):
            props = dict(task.task_spec.extensions.get("properties", {}))
            connection.execute(text(
                "insert into human_tasks (id, policy_id, element_id, title, lane, lifecycle_step, assignee, form, "
                "state, ready_since) values (:id, :policy, :element, :title, :lane, :step, :assignee, :form, 'ready', :at)"),
                {"id": str(task.id), "policy": policy, "element": task.task_spec.bpmn_id, "title": task.task_spec.bpmn_name,
                 "lane": task.task_spec.lane, "step": props.get("lifecycleStep"),
                 "assignee": task.data.get("staff_member") if props.get("assignee") else None,
                 "form": props.get("formJsonSchemaFilename"), "at": STARTED})
    database.dispose()
    return policy


def test_a_policy_in_consultation_carries_on_to_publication_after_the_upgrade(database_url, clock):
    policy_id = write_legacy_database(database_url)
    services = make_services(database_url, clock)  # upgrades the schema to the newest revision
    try:
        people = add_people(services)
        stored = stored_workflow(services, policy_id)[1]
        assert "spec" not in json.loads(stored.state)
        assert stored.data["policy_draft"]["decision"] == "permitted_with_conditions"

        staff_task = services.queries.inbox(people["sam"])[0]
        page = services.queries.task_page(people["sam"], staff_task["id"])
        assert page.instructions.startswith("sam, your department is consulting every member of staff")
        assert ("Decision on recording", "Permitted with conditions") in [(d.label, d.value) for d in page.context.draft]

        consult(services, people)
        revise(services, people)
        approve_and_publish(services, people)
        assert services.queries.policy(people["mary"], policy_id)["status"] == "published"
    finally:
        services.database.dispose()


BEFORE_ACCEPTED_INVITATIONS = "d4a7e1c93b58"


def test_invitations_sent_before_the_upgrade_still_tell_who_has_not_accepted(database_url, clock):
    """Before ``accepted_at``, an accepted invitation and one a newer link ended were both only
    "used"; after the upgrade the admin's list still tells who never chose a password."""
    database = Database(database_url)
    database.create_schema(BEFORE_ACCEPTED_INVITATIONS)
    sent, later, accepted = STARTED, STARTED + timedelta(hours=50), STARTED + timedelta(hours=51)
    invitations = {  # username: [(sent at, used at)], oldest first
        "nina": [(sent, sent + timedelta(hours=1))],  # accepted her link
        "owen": [(sent, later), (later, None)],  # his first link expired, the new one waits
        "pia": [(sent, later), (later, accepted)],  # accepted the second link
        "quin": [(sent, None)],  # never answered
    }
    with database.engine.begin() as connection:
        for username, links in invitations.items():
            user = connection.execute(text(
                "insert into users (username, password_hash, email, active, mail_digest, session_version) "
                "values (:name, 'x', :email, :yes, :no, 1) returning id"),
                {"name": username, "email": f"{username}@hospital.example", "yes": True, "no": False}).scalar_one()
            for number, (created_at, used_at) in enumerate(links):
                connection.execute(text(
                    "insert into invitations (user_id, token_hash, created_by, created_at, expires_at, used_at) "
                    "values (:user, :hash, 'root', :at, :expires, :used)"),
                    {"user": user, "hash": f"{username}{number}", "at": created_at, "used": used_at,
                     "expires": created_at + timedelta(hours=48)})
    database.dispose()
    clock.now = accepted + timedelta(hours=1)
    services = make_services(database_url, clock)  # upgrades the schema to the newest revision
    try:
        pending = services.invitations.pending()
        assert sorted(pending) == ["owen", "quin"]
        assert (pending["owen"].invited_at, pending["owen"].sent_at, pending["owen"].expired) == (sent, later, False)
        assert (pending["quin"].invited_at, pending["quin"].expired) == (sent, True)
    finally:
        services.database.dispose()
