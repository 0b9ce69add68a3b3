"""A policy a trust can ratify: risks reassessed after the consultations, equality, information
governance and the committee, warning signs justified one by one, reviews as trusts run them.

Each test plays the roles through their inboxes, on the real services and database, and checks
what they would see: the policy's JSON, the evidence beside a task, who is asked next.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.answers import answers_for
from tests.lifecycle import (
    complete,
    consult,
    published_version,
    republish_after_full_review,
    task_of,
    to_published,
    to_signoff,
)
from workflows.errors import InvalidInput
from workflows.storage.schema import AuditEvent, HumanTask


def inbox_names(services, actor) -> list[str]:
    return sorted(task["name"] for task in services.queries.inbox(actor))


def to_ratification(services, people) -> int:
    """A policy through both consultations, the reassessment, IG and both sign-offs: the committee's turn."""
    policy_id = to_signoff(services, people)
    complete(services, people["emma"], "employer_signoff")
    complete(services, people["ian"], "insurer_signoff")
    return policy_id


def to_reassessment(services, people, **draft) -> int:
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    complete(services, people["mary"], "draft_policy", **draft)
    complete(services, people["mary"], "assess_risks")
    return policy_id


def ready_elements(services, policy_id) -> list[str]:
    with services.database.reading() as session:
        return sorted(session.scalars(select(HumanTask.element_id).where(
            HumanTask.policy_id == policy_id, HumanTask.state == "ready")))


# ----------------------------------------------------------------- 1. risks reassessed, with residual risk

def test_the_risks_are_reassessed_after_both_consultations_with_residual_scores(services, people):
    policy_id = to_reassessment(services, people)
    policy = services.queries.policy(people["mary"], policy_id)
    assert policy["risk_rating_initial"] == "high", "3 x 3 = 9 is high on the NPSA bands (8-12)"
    assert policy["risk_rating"] == "high", "until the reassessment, the initial rating is the one there is"
    assert "reassess_risks" not in inbox_names(services, people["mary"])
    consult(services, people)
    assert inbox_names(services, people["mary"]) == ["reassess_risks"]
    page = services.queries.task_page(people["mary"], task_of(services, people["mary"], "reassess_risks")["id"])
    assert page.values["staff_preferences_likelihood"] == 2, "the form starts from the first assessment"
    assert page.context.risk_assessment.initial_rating == "high"
    assert page.context.consultation.staff_responses == 3, "the consultation is shown beside the form"
    assert "staff_preferences_residual_likelihood" in page.form["properties"]
    complete(services, people["mary"], "reassess_risks", staff_preferences_likelihood=4,
             medico_legal_residual_likelihood=1, medico_legal_residual_impact=3)
    policy = services.queries.policy(people["mary"], policy_id)
    assert (policy["risk_rating"], policy["risk_rating_initial"]) == ("moderate", "high")
    revise = services.queries.task_page(people["mary"], task_of(services, people["mary"], "revise_policy")["id"])
    risk = revise.context.risk_assessment
    assert (risk.rating, risk.initial_rating, risk.highest_score, risk.initial_highest_score) == \
        ("moderate", "high", 4, 12)
    staff = next(r for r in risk.risks if r.name == "Staff preferences")
    assert (staff.likelihood, staff.residual_score, staff.owner) == (4, 4, "Lead Sonographer")


def test_the_reassessment_needs_residual_scores_and_owners(services, people):
    to_reassessment(services, people)
    consult(services, people)
    task = task_of(services, people["mary"], "reassess_risks")
    answers = answers_for("risk_reassessment.schema.json")
    del answers["distraction_owner"], answers["duration_residual_impact"]
    with pytest.raises(InvalidInput) as refused:
        services.commands.complete(people["mary"], task["id"], answers)
    assert {e.field for e in refused.value.errors} == {"distraction_owner", "duration_residual_impact"}


def test_a_revision_after_a_request_for_changes_offers_the_reassessment_again(services, people):
    to_reassessment(services, people)
    consult(services, people)
    complete(services, people["mary"], "reassess_risks")
    complete(services, people["mary"], "revise_policy")
    complete(services, people["gil"], "information_governance")
    complete(services, people["emma"], "employer_signoff", decision="changes_requested", comments="Re-score it.")
    page = services.queries.task_page(people["mary"], task_of(services, people["mary"], "revise_policy")["id"])
    assert "reassess_risks" in page.form["properties"] and not page.values.get("reassess_risks")
    complete(services, people["mary"], "revise_policy", reassess_risks=True)
    assert inbox_names(services, people["mary"]) == ["reassess_risks"]
    complete(services, people["mary"], "reassess_risks")
    complete(services, people["mary"], "revise_policy")
    assert inbox_names(services, people["gil"]) == ["information_governance"], "and on through every review again"


# ----------------------------------------------------------------- 2. warning signs

def signs_after_revision(services, people, staff_answers: dict, **changes) -> list:
    """Walk to the justification (or IG review) and return the warning signs worked out."""
    policy_id = to_reassessment(services, people, **changes.pop("draft", {}))
    for name, answer in staff_answers.items():
        complete(services, people[name], "staff_consultation", **answer)
    if len(staff_answers) < 3:
        services.lifecycle.close_consultation(people["mary"], policy_id)
    complete(services, people["pat"], "patient_consultation", **changes.pop("liaison", {}))
    complete(services, people["eve"], "equality_impact")
    complete(services, people["mary"], "reassess_risks", **changes.pop("risks", {}))
    complete(services, people["mary"], "revise_policy", **changes.pop("revision", {}))
    with services.database.reading() as session:
        from workflows.storage.schema import WorkflowState
        data = session.scalar(select(WorkflowState.data).where(WorkflowState.policy_id == policy_id))
    return [sign["sign"] for sign in data.get("warning_signs", [])]


UNWILLING = {"willing_to_be_filmed": "not_willing"}
WILLING = {"willing_to_be_filmed": "willing"}


def test_most_unwilling_counts_only_those_who_answered_and_silence_is_a_low_response(services, people):
    signs = signs_after_revision(services, people, {"sam": UNWILLING})
    assert "most_staff_unwilling" in signs, "1 of the 1 who answered is unwilling"
    assert "low_response_rate" in signs, "1 of 3 asked answered"


def test_a_low_staff_preference_score_against_an_unwilling_staff_is_a_sign(services, people):
    signs = signs_after_revision(services, people, {"sam": UNWILLING, "alex": UNWILLING, "kim": WILLING})
    assert {"most_staff_unwilling", "preference_score_contradicts"} <= set(signs)
    assert "low_response_rate" not in signs


def test_a_rescored_preference_is_no_contradiction(services, people):
    signs = signs_after_revision(services, people, {"sam": UNWILLING, "alex": UNWILLING, "kim": WILLING},
                                 risks={"staff_preferences_likelihood": 4})
    assert "preference_score_contradicts" not in signs


def test_permitted_overstated_law_and_an_unanswered_liaison_group(services, people):
    covert = "Recording staff without telling them is illegal; staff will confiscate your phone."
    signs = signs_after_revision(
        services, people, {"sam": WILLING, "alex": WILLING, "kim": WILLING},
        draft={"decision": "permitted", "covert_recording": covert},
        liaison={"view": "oppose"},
        revision={"decision": "permitted", "covert_recording": covert, "how_to_ask": "Ask the receptionist."})
    assert {"permitted_without_conditions", "public_wording", "liaison_opposes"} <= set(signs)
    assert "liaison_opposed_unchanged" not in signs, "the revision answered the group: the policy changed"


def test_a_liaison_group_that_opposes_an_unchanged_policy_is_a_sign(services, people):
    signs = signs_after_revision(services, people, {"sam": WILLING, "alex": WILLING, "kim": WILLING},
                                 liaison={"view": "oppose"})
    assert {"liaison_opposes", "liaison_opposed_unchanged"} <= set(signs)


def test_each_sign_is_justified_on_its_own_on_the_page_and_the_api_keeps_one_text(services, people):
    signs_after_revision(services, people, {"sam": UNWILLING, "alex": UNWILLING, "kim": WILLING})
    task = task_of(services, people["mary"], "justify_warning_signs")
    page = services.queries.task_page(people["mary"], task["id"])
    shown = {name for name, prop in page.form["properties"].items() if prop.get("x-justifies")}
    assert shown == {"justify_most_staff_unwilling", "justify_preference_score_contradicts"}, "only the signs found"
    assert shown <= set(page.form["required"])
    with pytest.raises(InvalidInput) as refused:  # the page: one text for each sign
        services.commands.complete(people["mary"], task["id"],
                                   html_form={"justify_most_staff_unwilling": "Only the screen is photographed."})
    assert [e.field for e in refused.value.errors] == ["justify_preference_score_contradicts"]
    services.commands.complete(people["mary"], task["id"], {
        "justify_most_staff_unwilling": "Only the screen is photographed.",
        "justification": "Staff may always decline."})
    review = services.queries.task_page(people["gil"], task_of(services, people["gil"], "information_governance")["id"])
    justified = {sign.sign: sign.justification for sign in review.context.warning_signs}
    assert justified == {"most_staff_unwilling": "Only the screen is photographed.",
                         "preference_score_contradicts": "Staff may always decline."}


# ----------------------------------------------------------------- 3. equality, IG, ratification

def test_governance_steps_are_done_by_their_roles_and_shown_to_every_later_step(services, people):
    policy_id = to_reassessment(services, people)
    assert inbox_names(services, people["eve"]) == ["equality_impact"], "beside the consultations"
    consult(services, people)
    complete(services, people["mary"], "reassess_risks")
    complete(services, people["mary"], "revise_policy")
    assert inbox_names(services, people["gil"]) == ["information_governance"]
    assert inbox_names(services, people["emma"]) == [], "information governance comes before the sign-offs"
    complete(services, people["gil"], "information_governance")
    complete(services, people["emma"], "employer_signoff")
    complete(services, people["ian"], "insurer_signoff")
    assert inbox_names(services, people["cora"]) == ["ratification"]
    page = services.queries.task_page(people["cora"], task_of(services, people["cora"], "ratification")["id"])
    assert [(d.lifecycle_step, d.by) for d in page.context.governance] == [
        ("equality_impact", "eve"), ("information_governance", "gil")]
    assert page.context.governance[1].outcome == "Approve"
    complete(services, people["cora"], "ratification")
    complete(services, people["mary"], "publish_policy")
    version, _numbers = published_version(services, policy_id)
    assert version.content["ratification"]["committee"] == "Clinical Governance Committee"
    assert version.content["ratification"]["minute_reference"] == "CGC/2026/114"
    assert version.content["equality_impact_on"] == "2026-10-02"
    assert services.queries.policy(people["mary"], policy_id)["published_version"] == "1"


def test_a_meeting_in_the_future_and_missing_amendments_are_refused_by_field(services, people):
    to_ratification(services, people)
    task = task_of(services, people["cora"], "ratification")
    tomorrow = (services.clock().date() + timedelta(days=1)).isoformat()
    with pytest.raises(InvalidInput) as refused:
        services.commands.complete(people["cora"], task["id"], answers_for(
            "ratification.schema.json", meeting_date=tomorrow, decision="approved_with_amendments"))
    assert {e.field for e in refused.value.errors} == {"meeting_date", "amendments"}
    assert "is in the future" in next(e.message for e in refused.value.errors if e.field == "meeting_date")


def test_an_equality_assessment_that_records_a_negative_impact_cannot_find_no_impact(services, people):
    """"No impact found: go ahead" beside an impact recorded as negative is refused at the outcome, naming
    the impacts; "go ahead with the adjustments" is accepted."""
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    task = task_of(services, people["eve"], "equality_impact")
    answers = answers_for("equality_impact.schema.json", impact_disability="negative", outcome="no_impact")
    with pytest.raises(InvalidInput) as refused:
        services.commands.complete(people["eve"], task["id"], answers)
    [problem] = refused.value.errors
    assert problem.field == "outcome"
    assert "“No impact found: go ahead” does not fit" in problem.message
    assert "Disability: impact (Negative impact: needs an adjustment)" in problem.message
    services.commands.complete(people["eve"], task["id"], {**answers, "outcome": "adjust"})
    assert "equality_impact" not in ready_elements(services, policy_id)


def test_not_approved_goes_back_to_revision_and_through_both_sign_offs_again(services, people):
    to_ratification(services, people)
    with pytest.raises(InvalidInput) as refused:
        complete(services, people["cora"], "ratification", decision="not_approved")
    assert [e.field for e in refused.value.errors] == ["comments"]
    complete(services, people["cora"], "ratification", decision="not_approved", comments="Add the chaperone rule.")
    assert inbox_names(services, people["mary"]) == ["revise_policy"]
    complete(services, people["mary"], "revise_policy")
    complete(services, people["gil"], "information_governance")
    complete(services, people["emma"], "employer_signoff")
    complete(services, people["ian"], "insurer_signoff")
    assert inbox_names(services, people["cora"]) == ["ratification"]


# ----------------------------------------------------------------- 4. review cycles

def test_the_review_opens_three_months_before_the_review_date(services, people):
    policy_id = to_published(services, people)
    today = services.clock().date()
    version, _ = published_version(services, policy_id)
    assert version.review_date == date(today.year + 1, today.month, today.day) + timedelta(days=7) \
        or version.review_date.year == today.year + 1, "twelve months after the effective date"
    services.commands.fire_due_timers(now=services.clock() + timedelta(days=240))
    assert "review_policy" not in inbox_names(services, people["mary"]), "eight months on: not yet"
    services.commands.fire_due_timers(now=services.clock() + timedelta(days=305))
    assert "review_policy" in inbox_names(services, people["mary"]), "ten months on: the review is open"


def test_a_review_without_change_is_confirmed_by_the_committee_and_republished_as_1_1(services, people):
    policy_id = to_published(services, people)
    services.commands.fire_due_timers(now=services.clock() + timedelta(days=330))
    acknowledgements = ready_elements(services, policy_id).count("acknowledge_policy")
    complete(services, people["mary"], "review_policy", outcome="no_changes")
    assert inbox_names(services, people["cora"]) == ["ratification"], "the committee confirms a 'no changes'"
    page = services.queries.task_page(people["cora"], task_of(services, people["cora"], "ratification")["id"])
    assert "review without changes" in page.instructions
    assert page.context.preference_changes is not None, "the review shows what changed in staff preferences"
    complete(services, people["cora"], "ratification", meeting_date=services.clock().date().isoformat())
    complete(services, people["mary"], "publish_policy")
    assert services.queries.policy(people["mary"], policy_id)["published_version"] == "1.1"
    assert ready_elements(services, policy_id).count("acknowledge_policy") == acknowledgements == 3, \
        "the requests to acknowledge version 1 stay; nobody is asked again for identical text"
    version, numbers = published_version(services, policy_id)
    assert numbers == [1, 2] and version.content["version_label"] == "1.1"


def test_a_full_review_makes_the_next_major_version(services, people):
    policy_id = to_published(services, people)
    services.commands.fire_due_timers(now=services.clock() + timedelta(days=330))
    republish_after_full_review(services, people)
    assert services.queries.policy(people["mary"], policy_id)["published_version"] == "2"


def test_new_guidance_opens_an_early_review_of_policies_on_the_older_version(services, people):
    older = to_published(services, people)
    result = services.guidance.record("Recording images during examinations", date(2026, 11, 1), actor="cli")
    assert result.early_reviews == [older]
    reason = services.queries.policy(people["mary"], older)["early_review_reason"]
    assert "Recording images during examinations" in reason and "01 Nov 2026" in reason
    assert "review_policy" in inbox_names(services, people["mary"])
    with services.database.reading() as session:
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.action.in_(
            ["guidance_recorded", "early_review_opened"]))))
    assert actions == ["guidance_recorded", "early_review_opened"]


# ----------------------------------------------------------------- 6. incidents

INCIDENT = {"occurred_on": None, "description": "A visitor filmed the waiting room.",
            "action_taken": "Asked to delete it; done."}


def report(services, people, policy_id, days_ago=1, **fields):
    values = {**INCIDENT, "occurred_on": (services.clock().date() - timedelta(days=days_ago)).isoformat(), **fields}
    return services.incidents.report(people["sam"], policy_id, values)


def test_other_patients_captured_gives_information_governance_a_task(services, people):
    policy_id = to_published(services, people)
    report(services, people, policy_id)
    assert inbox_names(services, people["gil"]) == []
    report(services, people, policy_id, other_patients_captured=True)
    assert inbox_names(services, people["gil"]) == ["review_incident_governance"]
    report(services, people, policy_id, escalated_to=["information_governance", "police"])
    assert inbox_names(services, people["gil"]) == ["review_incident_governance"] * 2


def test_three_incidents_within_a_year_open_an_early_review_saying_why(services, people):
    policy_id = to_published(services, people)
    report(services, people, policy_id, days_ago=400)
    report(services, people, policy_id, days_ago=100)
    report(services, people, policy_id, days_ago=50)
    assert "review_policy" not in inbox_names(services, people["mary"]), "one of the three is older than a year"
    report(services, people, policy_id, days_ago=2)
    assert "review_policy" in inbox_names(services, people["mary"])
    policy = services.queries.policy(people["mary"], policy_id)
    assert policy["status"] == "under_review"
    assert policy["early_review_reason"].startswith("3 incidents of recording without permission in the last 12 months")
    overview = services.dashboard.overview(people["mary"])
    assert [e["reason"] for e in overview.early_reviews] == [policy["early_review_reason"]]


# ----------------------------------------------------------------- the command

def test_the_command_records_guidance_and_adds_the_new_roles(tmp_path, monkeypatch, clock):
    from click.testing import CliRunner

    from tests.conftest import add_people, make_services
    from webapp.cli import main

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("POLICYFLOW_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["init"]).exit_code == 0
    services = make_services(url, clock)
    people = add_people(services)
    policy_id = to_published(services, people)
    added = CliRunner().invoke(main, ["user", "add", "chair", "--role", "committee", "--password",
                                      "a long committee passphrase"])
    assert added.exit_code == 0, added.output
    assert services.accounts.person("chair").roles == ("committee",)
    future = CliRunner().invoke(main, ["guidance", "set", "New guidance", "--date", "2999-01-01"])
    assert future.exit_code == 1 and "is in the future" in future.output and "Traceback" not in future.output
    done = CliRunner().invoke(main, ["guidance", "set", "Recording images (SCoR)", "--date", "2026-11-01"])
    assert done.exit_code == 0, done.output
    assert f"policy {policy_id}: early review opened" in done.output
    assert "review_policy" in inbox_names(services, people["mary"])
    services.database.dispose()


def test_an_incident_flagged_to_information_governance_is_mailed_to_the_ig_lead(sqlite_url, clock):
    from tests.integration.test_mail import address, mail_world, sent_now
    from tests.mail_server import MailServer

    server = MailServer().start()
    try:
        services, people = mail_world(sqlite_url, clock, server)
        policy_id = to_published(services, people)
        sent_now(services)
        before = len(server.messages_to(address("gil")))
        services.incidents.report(people["sam"], policy_id, {
            "occurred_on": services.clock().date().isoformat(), "description": "Other patients were filmed.",
            "action_taken": "Deleted at once.", "other_patients_captured": True})
        sent_now(services)
        subjects = [" ".join(m["Subject"].split()) for m in server.messages_to(address("gil"))[before:]]
        assert subjects == ["Task for you: Review the incident for information governance – Recording during "
                            "ultrasound"]
        services.database.dispose()
    finally:
        server.stop()


def test_the_inbox_says_the_committee_returned_the_revision_and_why(services, people):
    to_ratification(services, people)
    complete(services, people["cora"], "ratification", decision="not_approved", comments="Add the chaperone rule.")
    (revision,) = services.queries.inbox(people["mary"])
    assert revision["returned"]["by"] == "cora" and revision["returned"]["step"] == "Ratify the policy"
    assert revision["returned"]["comments"] == ["Add the chaperone rule."]
