"""The diagram contract is complete: with every element id and every data key renamed (and the
conditions, scripts and decision inputs that use them updated), the whole lifecycle still works,
including what reviewers see beside their forms and what the public reads."""
from __future__ import annotations

from tests import diagram_variants as variants
from tests.lifecycle import published_version
from tests.studio import add_designer, complete_step, consult_by_step, deploy, step_task


def test_a_renamed_diagram_runs_end_to_end_with_evidence_and_the_public_document(services, people, client):
    files = variants.renamed(variants.shipped_files())
    deploy(services, add_designer(services), files, "Our own names")
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    first = step_task(services, people["mary"], "risk_assessment")
    assert first["name"].startswith("local_")
    complete_step(services, people["mary"], "risk_assessment")
    complete_step(services, people["mary"], "risk_assessment")
    consult_by_step(services, people)
    complete_step(services, people["mary"], "risk_reassessment")
    complete_step(services, people["mary"], "revision")
    complete_step(services, people["gil"], "information_governance")
    page = services.queries.task_page(people["emma"], step_task(services, people["emma"], "employer_signoff")["id"])
    assert page.context.risk_assessment is not None and page.context.risk_assessment.rating == "moderate"
    assert page.context.risk_assessment.initial_rating == "high"  # both decisions rate, under their new names
    assert page.context.consultation is not None and page.context.consultation.staff_responses == 3
    assert page.context.draft, "the employer sees the draft beside the form"
    complete_step(services, people["emma"], "employer_signoff", decision="changes_requested",
                  comments="Name the lead sonographer.")
    complete_step(services, people["mary"], "revision")
    complete_step(services, people["gil"], "information_governance")
    complete_step(services, people["emma"], "employer_signoff")
    insurer = services.queries.task_page(people["ian"], step_task(services, people["ian"], "insurer_signoff")["id"])
    assert [(d.by, d.outcome) for d in insurer.context.signoffs] == [("emma", "Request changes"), ("emma", "Approve")]
    assert insurer.context.signoffs[0].comments == ["Name the lead sonographer."]
    complete_step(services, people["ian"], "insurer_signoff")
    complete_step(services, people["cora"], "ratification")
    complete_step(services, people["mary"], "publication")
    published, numbers = published_version(services, policy_id)
    assert numbers == [1] and published.content
    assert services.queries.policy(people["mary"], policy_id)["status"] == "published"
    text = client.get(f"/published/{policy_id}").get_data(as_text=True)
    assert "You may photograph the image on the screen" in text  # the draft's summary, published
    signoffs = services.queries.audit_trail(people["mary"], policy_id)
    summaries = [event["summary"] for event in signoffs]
    assert "emma completed “Employer sign-off”: Approve" in summaries
    assert any(summary.startswith("mary published version 1") for summary in summaries)
