"""What each reviewer sees beside their form, read from the pages as that person would.

The employer and the insurer decide on evidence: the full risk assessment and how
its rating was reached, the consultation (counted, comments without names), the
manager's revision notes, every earlier sign-off decision with who took it, and
what changed in the draft since the last round. Their forms start empty every
round; the manager's revision starts from the current draft.
"""
from __future__ import annotations

import re

from tests.answers import answers_for
from tests.html import visible_text
from tests.lifecycle import complete, task_of, to_signoff
from tests.web import login

NEW_PROCEDURE = "Staff will ask you to stop and call the lead sonographer at once."
EMPLOYER_ASKS = "Say who staff call when filming continues."
INSURER_ASKS = "State who keeps any recording made by mistake."


def section(html: str, heading: str) -> str:
    """The visible text of the <section> whose <h2> reads ``heading``."""
    for body in re.findall(r"<section[^>]*>(.*?)</section>", html, re.S):
        if re.search(rf"<h2[^>]*>\s*{re.escape(heading)}\s*</h2>", body):
            return visible_text(body)
    raise AssertionError(f"no section “{heading}” on the page: {visible_text(html)[:400]}")


def task_page(app, username: str, services, people, element: str) -> str:
    browser = app.test_client()
    login(browser, username)
    response = browser.get(f"/tasks/{task_of(services, people[username], element)['id']}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def checked(html: str, name: str) -> list[str]:
    return re.findall(rf'<input type="radio" id="{name}-\d+" name="{name}" value="([^"]+)" checked>', html)


def revise_again(services, people, **changes) -> None:
    """After a request for changes: the manager revises (without reassessing the risks) and
    information governance approves again, so the sign-offs come round once more."""
    complete(services, people["mary"], "revise_policy", **changes)
    complete(services, people["gil"], "information_governance")


def second_round(services, people) -> int:
    """The employer asked for changes; the manager revised the procedure; the employer decides again."""
    policy_id = to_signoff(services, people)
    complete(services, people["emma"], "employer_signoff", decision="changes_requested", comments=EMPLOYER_ASKS)
    revise_again(services, people, response_procedure=NEW_PROCEDURE,
                 revision_notes="Named the lead sonographer, as the employer asked.")
    return policy_id


def test_the_employer_decides_on_the_full_evidence(app, services, people):
    second_round(services, people)
    html = task_page(app, "emma", services, people, "employer_signoff")
    risks = answers_for("risk_assessment.schema.json")

    assessment = section(html, "Risk assessment")
    assert "Residual risk rating (after the mitigations): Moderate; initial rating (before them): High" in assessment
    assert ("Medico-legal complications 3 × 3 = 9 " + risks["medico_legal_mitigations"]
            + " 2 × 2 = 4 Imaging Services Manager") in assessment
    assert "Longer examinations 2 × 2 = 4 " + risks["duration_mitigations"] + " 2 × 2 = 4" in assessment
    assert "Before the mitigations the highest score is 9, rated High." in assessment
    assert ("After them the highest residual score is 4 (Medico-legal complications, Staff preferences, "
            "Distraction and stress, Longer examinations), rated Moderate.") in assessment
    assert "Moderate: The highest score is 4 to 6 this policy" in assessment
    assert risks["rationale"] in assessment and risks["unreported_abnormality"] in assessment

    consultation = section(html, "Consultation")
    assert "3 staff responses, shown without names" in consultation
    assert "Yes, I am willing: 2" in consultation and "No, I am not willing: 1" in consultation
    assert "“I do not want to be filmed.”" in consultation
    for name in ("sam", "alex", "kim"):
        assert not re.search(rf"\b{name}\b", consultation, re.IGNORECASE)
    assert "Maternity Voices Partnership" in consultation and "Supports the policy" in consultation
    assert "01 Oct 2026" in consultation and "2026-10-01" not in consultation  # a day as every page writes one

    assert "Named the lead sonographer, as the employer asked." in section(html, "The manager's revision notes")
    earlier = section(html, "Sign-off decisions so far")
    assert "Employer sign-off: Request changes — emma (Employer (risk management))" in earlier
    assert EMPLOYER_ASKS in earlier
    governance = section(html, "Equality, information governance and ratification")
    assert "Assess the equality impact: Go ahead with the adjustments above — eve (Equality lead)" in governance
    assert "Information governance review: Approve — gil (Information governance)" in governance


def test_reviewers_read_what_the_equality_and_governance_reviews_found_not_only_their_outcome(
        app, services, people):
    """An outcome alone ("Go ahead with the adjustments above") hid which adjustments, which
    characteristics were affected and the data-protection position the reviews recorded."""
    to_signoff(services, people)
    equality = answers_for("equality_impact.schema.json")
    governance = section(task_page(app, "emma", services, people, "employer_signoff"),
                         "Equality, information governance and ratification")
    assert "Disability: impact Positive impact" in governance
    assert "Reasonable adjustments " + equality["reasonable_adjustments"] in governance
    assert "Language and communication needs " + equality["language_needs"] in governance
    assert "Patients' own recordings Personal use: the trust is not the controller" in governance
    assert "Your decision" not in governance and "Outcome of the assessment" not in governance  # said once, above


def test_what_changed_since_the_last_round_is_shown_word_by_word(app, services, people):
    second_round(services, people)
    html = task_page(app, "emma", services, people, "employer_signoff")
    changes = section(html, "What changed since the last round")
    assert "What staff will do if recording starts without permission (changed)" in changes
    # phrase by phrase: what was removed, then what replaced it, never interleaved word by word
    assert ("Staff will ask you to [removed: stop, pause the examination][added: stop] and call the lead sonographer "
            "[removed: if it continues.][added: at once.]") in changes
    assert "Key: removed text is struck through on red; added text is underlined on green." in changes
    assert ("Before (round 2) Staff will ask you to [removed: stop, pause the examination] and call the lead "
            "sonographer [removed: if it continues.]") in changes
    assert ("Now (round 3) Staff will ask you to [added: stop] and call the lead sonographer [added: at once.]"
            ) in changes
    assert "Decision on recording" not in changes, "only what changed is listed"
    assert "<del>" in html and "<ins>" in html


def test_staff_conditions_are_shown_apart_from_comments(app, services, people):
    services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    complete(services, people["sam"], "staff_consultation", willing_to_be_filmed="willing_with_conditions",
             conditions="Only the screen, never my face.", comments="Notices in every room, please.")
    complete(services, people["alex"], "staff_consultation", willing_to_be_filmed="not_willing",
             comments="I do not want to be filmed.")
    complete(services, people["kim"], "staff_consultation")
    complete(services, people["pat"], "patient_consultation")
    complete(services, people["eve"], "equality_impact")
    complete(services, people["mary"], "reassess_risks")
    complete(services, people["mary"], "revise_policy")
    complete(services, people["gil"], "information_governance")
    html = task_page(app, "emma", services, people, "employer_signoff")
    consultation = section(html, "Consultation")
    conditions = consultation.split("Conditions set by staff willing only with conditions")[1].split("Comments on the draft")
    assert "“Only the screen, never my face.”" in conditions[0] and "Notices in every room" not in conditions[0]
    assert "“Notices in every room, please.”" in conditions[1] and "never my face" not in conditions[1]
    assert "1 condition set" in visible_text(re.search(r'<nav class="evidence-summary".*?</nav>', html, re.S).group(0))


def test_the_evidence_in_brief_links_to_each_part_and_to_the_form(app, services, people):
    second_round(services, people)
    html = task_page(app, "emma", services, people, "employer_signoff")
    brief = visible_text(re.search(r'<nav class="evidence-summary".*?</nav>', html, re.S).group(0))
    assert "What changed since the last round: What staff will do if recording starts without permission" in brief
    assert "Sign-off decisions so far: 1; latest Employer sign-off: Request changes (emma)" in brief
    assert ("Risk assessment: rated Moderate after mitigations (High before), highest score 4 (Medico-legal "
            "complications, Staff preferences, Distraction and stress, Longer examinations)") in brief
    assert "Consultation: 3 staff responses; Yes, I am willing: 2" in brief
    for target in re.findall(r'<nav class="evidence-summary".*?</nav>', html, re.S)[0].split('href="#')[1:]:
        assert f'id="{target.split(chr(34))[0]}"' in html, target
    assert html.index('class="evidence-summary"') < html.index('id="decision"') < html.index('id="evidence-risk"'), (
        "on a narrow screen the summary comes first, then the form, then the evidence")


def test_the_second_round_form_starts_empty_and_the_api_agrees(app, client, services, people, tokens):
    second_round(services, people)
    html = task_page(app, "emma", services, people, "employer_signoff")
    assert checked(html, "decision") == [], "no decision carried over from the first round"
    assert re.search(r'<textarea id="comments"[^>]*></textarea>', html), "no comment carried over"
    task_id = task_of(services, people["emma"], "employer_signoff")["id"]
    answer = client.get(f"/api/v1/tasks/{task_id}", headers={"Authorization": f"Bearer {tokens['emma']}"}).get_json()
    assert answer["values"] == {} and answer["draft"] is None
    assert [(d["by"], d["outcome"], d["comments"]) for d in answer["context"]["signoffs"]] == [
        ("emma", "Request changes", [EMPLOYER_ASKS])]
    assert answer["context"]["risk_assessment"]["rating"] == "moderate"
    assert answer["context"]["risk_assessment"]["initial_rating"] == "high"
    assert [f["field"] for f in answer["context"]["changes"]["fields"]] == ["response_procedure"]


def test_the_insurer_sees_every_earlier_decision_not_only_the_latest(app, services, people):
    second_round(services, people)
    complete(services, people["emma"], "employer_signoff")
    complete(services, people["ian"], "insurer_signoff", decision="changes_requested", comments=INSURER_ASKS)
    revise_again(services, people)
    complete(services, people["emma"], "employer_signoff")
    earlier = section(task_page(app, "ian", services, people, "insurer_signoff"), "Sign-off decisions so far")
    said = re.findall(r"(Employer|Insurer) sign-off: (Request changes|Approve)", earlier)
    assert said == [("Employer", "Request changes"), ("Employer", "Approve"), ("Insurer", "Request changes"),
                    ("Employer", "Approve")]
    assert EMPLOYER_ASKS in earlier and INSURER_ASKS in earlier and "ian (Insurer)" in earlier


def test_the_revision_starts_from_the_current_draft_with_fresh_notes(app, services, people):
    to_signoff(services, people)
    complete(services, people["emma"], "employer_signoff", decision="changes_requested", comments=EMPLOYER_ASKS)
    html = task_page(app, "mary", services, people, "revise_policy")
    revised = answers_for("revise_policy.schema.json")
    assert re.search(rf'<textarea id="how_to_ask"[^>]*>{re.escape(revised["how_to_ask"])}</textarea>', html)
    assert checked(html, "decision") == [revised["decision"]]
    assert re.search(r'<textarea id="revision_notes"[^>]*></textarea>', html), "notes are written afresh each round"
    assert EMPLOYER_ASKS in section(html, "Sign-off decisions so far")


def test_staff_see_the_draft_but_not_each_other(app, services, people):
    services.commands.start(people["mary"], "Recording during scans", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    complete(services, people["alex"], "staff_consultation", comments="Alex would rather not.")
    html = task_page(app, "sam", services, people, "staff_consultation")
    assert answers_for("draft_policy.schema.json")["summary"] in visible_text(html)
    assert "Alex would rather not." not in html and "Risk assessment" not in visible_text(html)


def test_the_equality_lead_is_asked_about_carers_in_plain_words(app, services, people):
    """Every characteristic's question read "impact on people because of <it>": for carers that said
    "because of carers", which asks about something else."""
    services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    text = visible_text(task_page(app, "eve", services, people, "equality_impact"))
    assert "because of carers" not in text
    assert "impact on carers: people who look after a family member, partner or friend" in text
