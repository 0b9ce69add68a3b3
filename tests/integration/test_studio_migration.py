"""Moving running policies between versions, both ways: allowed when the tasks a policy waits for
exist in the other version, refused (409, naming them) otherwise; the task index follows; audited."""
from __future__ import annotations

import pytest
from lxml import etree

from tests import diagram_variants as variants
from tests.lifecycle import audit_events, complete, policy_row
from tests.studio import add_designer, complete_step, consult_by_step, deploy
from tests.web import login
from workflows.errors import Conflict

API = "/api/v1"


@pytest.fixture
def designer(services, people):
    return add_designer(services)


@pytest.fixture
def version_2(services, designer):
    """Version 2 adds a radiation protection supervisor's review after the revision."""
    files = variants.with_task_after(variants.shipped_files(), "revision", "rps_review",
                                     "Radiation protection supervisor's review", "rps_review.schema.json",
                                     variants.NOTE_FORM)
    return deploy(services, designer, files, "Add the RPS review")


def started_on_version_1(services, people) -> int:
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    return policy_id


def test_a_policy_in_consultation_moves_forward_and_then_runs_through_the_new_task(client, services, people, tokens,
                                                                                  designer):
    policy_id = started_on_version_1(services, people)
    waiting = {t["id"] for t in services.queries.policy(people["mary"], policy_id)["ready_tasks"]}
    deploy_version_2 = variants.with_task_after(variants.shipped_files(), "revision", "rps_review",
                                                "Radiation protection supervisor's review", "rps_review.schema.json",
                                                variants.NOTE_FORM)
    deploy(services, designer, deploy_version_2)
    token = services.accounts.create_token("dora")
    response = client.post(f"{API}/policies/{policy_id}/migrate", json={"version": 2},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["process"]["version"] == 2
    assert {t["id"] for t in response.get_json()["ready_tasks"]} == waiting  # the same tasks, still open
    [event] = audit_events(services, action="policy_migrated")
    assert (event.actor, event.data["from_version"], event.data["to_version"]) == ("dora", 1, 2)
    consult_by_step(services, people)
    complete_step(services, people["mary"], "risk_reassessment")
    complete_step(services, people["mary"], "revision")
    rps = [t for t in services.queries.inbox(people["mary"]) if t["name"] == "rps_review"]
    assert rps and rps[0]["title"] == "Radiation protection supervisor's review"


def test_moving_back_is_refused_while_the_policy_waits_at_a_task_the_old_version_lacks(client, services, people,
                                                                                      version_2):
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    for step in ("risk_assessment", "risk_assessment"):
        complete_step(services, people["mary"], step)
    consult_by_step(services, people)
    complete_step(services, people["mary"], "risk_reassessment")
    complete_step(services, people["mary"], "revision")
    before = policy_row(services, policy_id)
    token = services.accounts.create_token("dora")
    response = client.post(f"{API}/policies/{policy_id}/migrate", json={"version": 1},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 409
    assert response.get_json()["errors"] == [{"field": None, "message": "This policy is waiting at rps_review, which "
                                              "the new version does not have; it stays on its version."}]
    after = policy_row(services, policy_id)
    assert (after.process_version_id, after.version) == (before.process_version_id, before.version)
    assert audit_events(services, action="policy_migrated") == []


def test_moving_back_is_allowed_where_both_versions_have_the_waiting_tasks(services, people, designer, version_2):
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    assert services.queries.policy(people["mary"], policy_id)["process"]["version"] == 2
    services.studio.migrations.migrate(designer, policy_id, 1)
    assert services.queries.policy(people["mary"], policy_id)["process"]["version"] == 1
    complete(services, people["mary"], "draft_policy")  # carries on under version 1


def test_only_designers_and_admins_move_policies(client, services, people, tokens, designer):
    policy_id = started_on_version_1(services, people)
    deploy(services, designer, variants.with_task_after(variants.shipped_files(), "revision", "rps_review", "RPS review",
                                                        "rps_review.schema.json", variants.NOTE_FORM))
    response = client.post(f"{API}/policies/{policy_id}/migrate", json={"version": 2},
                           headers={"Authorization": f"Bearer {tokens['mary']}"})
    assert response.status_code == 403
    admin = services.accounts.add_user("ada", "correct horse battery", ["admin"])
    services.studio.migrations.migrate(admin, policy_id, 2)
    assert services.queries.policy(people["mary"], policy_id)["process"]["version"] == 2


def test_move_all_that_can_reports_each_policy(services, people, designer, version_2):
    on_2 = services.commands.start(people["mary"], "Started on version 2", "Ultrasound")
    for step in ("risk_assessment", "risk_assessment"):
        complete_step(services, people["mary"], step)
    consult_by_step(services, people)
    complete_step(services, people["mary"], "risk_reassessment")
    complete_step(services, people["mary"], "revision")  # now waiting at rps_review
    fresh = services.commands.start(people["mary"], "Just started", "Ultrasound")
    results = {r.policy_id: r for r in services.studio.migrations.migrate_all(designer, "policy_lifecycle", 1)}
    assert results[fresh].migrated and results[fresh].message == "moved to version 1"
    assert not results[on_2].migrated and "waiting at rps_review" in results[on_2].message


def test_a_published_policy_keeps_its_review_date_when_it_moves(services, people, designer, version_2):
    policy_id = services.commands.start(people["mary"], "Published then moved", "Ultrasound")
    for step in ("risk_assessment", "risk_assessment"):
        complete_step(services, people["mary"], step)
    consult_by_step(services, people)
    for actor, step in (("mary", "risk_reassessment"), ("mary", "revision"), ("mary", None),
                        ("gil", "information_governance"), ("emma", "employer_signoff"), ("ian", "insurer_signoff"),
                        ("cora", "ratification"), ("mary", "publication")):
        if step is None:
            services.commands.complete(people["mary"], next(t for t in services.queries.inbox(people["mary"])
                                                            if t["name"] == "rps_review")["id"], {"note": "Fine."})
        else:
            complete_step(services, people[actor], step)
    due = policy_row(services, policy_id).next_timer_at
    services.studio.migrations.migrate(designer, policy_id, 1)
    assert policy_row(services, policy_id).next_timer_at == due
    assert services.queries.policy(people["mary"], policy_id)["status"] == "published"


def at_employer_signoff(services, people) -> int:
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    for step in ("risk_assessment", "risk_assessment"):
        complete_step(services, people["mary"], step)
    consult_by_step(services, people)
    complete_step(services, people["mary"], "risk_reassessment")
    complete_step(services, people["mary"], "revision")
    complete_step(services, people["gil"], "information_governance")
    return policy_id


@pytest.fixture
def renamed_keys(services, designer):
    """Version 2 keeps every task's id but stores its answers under renamed data keys."""
    return deploy(services, designer, variants.renamed(variants.shipped_files(), "local_", element_ids=False),
                  "Our own data keys")


def test_a_move_the_code_ahead_could_not_read_is_refused_naming_what_is_missing(client, services, people, designer,
                                                                               renamed_keys):
    """The issue's case: the policy would have failed at publication with a NameError."""
    policy_id = at_employer_signoff(services, people)
    before = policy_row(services, policy_id)
    token = services.accounts.create_token("dora")
    response = client.post(f"{API}/policies/{policy_id}/migrate", json={"version": 1},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 409, response.get_json()
    message = response.get_json()["errors"][0]["message"]
    assert "publish_policy's post-script reads policy_draft; this policy keeps it in local_policy_draft" in message
    assert "find_warning_signs's script reads risk_assessment; this policy keeps it in local_risk_assessment" in message
    after = policy_row(services, policy_id)
    assert (after.process_version_id, after.version) == (before.process_version_id, before.version)
    assert audit_events(services, action="policy_migrated") == []


def test_renaming_data_keys_as_part_of_the_move_lets_the_policy_publish(client, services, people, designer,
                                                                        renamed_keys):
    policy_id = at_employer_signoff(services, people)
    proposals = services.studio.migrations.proposals("policy_lifecycle", 1)[2]
    assert proposals["local_policy_draft"] == "policy_draft"
    assert proposals["local_employer_signoff"] == "employer_signoff"
    token = services.accounts.create_token("dora")
    response = client.post(f"{API}/policies/{policy_id}/migrate", json={"version": 1, "rename": proposals},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["process"]["version"] == 1
    [event] = audit_events(services, action="policy_migrated")
    assert event.data["rename"]["local_policy_draft"] == "policy_draft"
    trail = client.get(f"{API}/policies/{policy_id}/audit?limit=100", headers={"Authorization": f"Bearer {token}"})
    [told] = [e["summary"] for e in trail.get_json() if e["action"] == "policy_migrated"]
    assert told.startswith("dora moved the policy from version 2 to version 1, renaming ")
    assert "local_policy_draft to policy_draft" in told
    complete_step(services, people["emma"], "employer_signoff")
    complete_step(services, people["ian"], "insurer_signoff")
    complete_step(services, people["cora"], "ratification")
    complete_step(services, people["mary"], "publication")
    assert services.queries.policy(people["mary"], policy_id)["status"] == "published"


def test_a_task_matched_only_by_position_is_not_the_same_task(client, services, people, designer):
    """With every id renamed too, SpecDiff would pair the sign-offs by position: the move is refused."""
    deploy(services, designer, variants.renamed(variants.shipped_files(), "local_"), "Our own names")
    policy_id = at_employer_signoff(services, people)
    with pytest.raises(Conflict, match="waiting at local_employer_signoff, which the new version does not have"):
        services.studio.migrations.migrate(designer, policy_id, 1,
                                           services.studio.migrations.proposals("policy_lifecycle", 1)[2])


def test_bad_renames_are_refused_before_anything_moves(client, services, people, designer, renamed_keys):
    policy_id = at_employer_signoff(services, people)
    token = services.accounts.create_token("dora")
    response = client.post(f"{API}/policies/{policy_id}/migrate", json={"version": 1, "rename": {"a b": "c"}},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "rename"


def test_the_page_proposes_renames_and_move_all_gives_each_policy_its_result(services, people, designer,
                                                                            renamed_keys, client):
    waiting = at_employer_signoff(services, people)
    fresh = services.commands.start(people["mary"], "Just started", "Ultrasound")
    login(client, "dora")
    page = client.get("/designer/processes/policy_lifecycle/policies").get_data(as_text=True)
    assert "local_policy_draft = policy_draft" not in page  # version 2 is the latest: nothing to propose yet
    deploy(services, designer, variants.shipped_files(), "Back to the shipped names")  # version 3
    page = client.get("/designer/processes/policy_lifecycle/policies").get_data(as_text=True)
    assert "local_policy_draft = policy_draft" in page
    results = {r.policy_id: r for r in services.studio.migrations.migrate_all(designer, "policy_lifecycle", 3)}
    assert not results[waiting].migrated and "keeps it in local_policy_draft" in results[waiting].message
    assert results[fresh].migrated
    renames = services.studio.migrations.proposals("policy_lifecycle", 3)[2]
    results = {r.policy_id: r for r in services.studio.migrations.migrate_all(designer, "policy_lifecycle", 3,
                                                                              renames)}
    assert results[waiting].migrated, results[waiting].message


def counting_revisions(files: dict) -> dict:
    """The revision counts the rounds it took: the first task sets ``revision_count = 0``, the revision
    adds one (``revision_count += 1``). Policies started on the shipped version never had the count."""
    root = variants.tree(files)
    for step, code in (("risk_assessment", "revision_count = 0"), ("revision", "revision_count += 1")):
        extensions = variants.tasks_of_step(root, step)[0].find("bpmn:extensionElements", variants.NS)
        etree.SubElement(extensions, f"{{{variants.SPIFF}}}postScript").text = code
    return variants.with_tree(files, root)


def test_code_that_reads_a_variable_before_setting_it_again_counts_as_a_read(client, services, people, designer):
    """Moved, the policy would stop at the revision once a reviewer asks for changes (NameError);
    the usual answers approve, so the dry run alone would not see it: the check of the code ahead does."""
    policy_id = at_employer_signoff(services, people)
    files = counting_revisions(variants.shipped_files())
    deploy(services, designer, files, "Count the revisions")
    revision = variants.tasks_of_step(variants.tree(files), "revision")[0].get("id")
    token = services.accounts.create_token("dora")
    response = client.post(f"{API}/policies/{policy_id}/migrate", json={"version": 2},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 409, response.get_json()
    assert f"{revision}'s post-script reads revision_count" in response.get_json()["errors"][0]["message"]
    assert services.queries.policy(people["mary"], policy_id)["process"]["version"] == 1
