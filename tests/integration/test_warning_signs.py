"""Warning signs are routed, not ignored: each is flagged to the manager once the revision is
submitted, needs its own written justification before the information-governance review and the
sign-offs, and is shown to each of them with that justification. The signs are worked out by the
diagram (its "Find the warning signs" script after the revision and the "Warning signs?" gateway)."""
from __future__ import annotations

import re

import pytest

from tests.html import visible_text
from tests.lifecycle import complete, task_of
from tests.web import html_form_data, login, submit

JUSTIFICATION = "Only the screen may be photographed; the group's concern about other patients is met."
SIGNS = {
    # name: (the answers that raise it, by who gives them ("risk": both risk assessments, "reassess":
    # the reassessment only), its id, the text everyone is shown)
    "the liaison group opposes": ({"pat": {"view": "oppose"}}, "liaison_opposes",
                                  "The patient liaison group opposes the policy."),
    "the employer is not aware": ({"risk": {"employer_aware_of_arrangements": False}}, "employer_not_aware",
                                  "The employer is not aware of the local arrangements."),
    "most staff are unwilling": ({"alex": {"willing_to_be_filmed": "not_willing"},
                                  "kim": {"willing_to_be_filmed": "not_willing"}}, "most_staff_unwilling",
                                 "Most staff who answered (2 of 3) are not willing to be filmed."),
    "a high rating": ({"risk": {"distraction_likelihood": 5, "distraction_impact": 4},
                       "reassess": {"distraction_residual_likelihood": 3, "distraction_residual_impact": 4}},
                      "high_risk", "The residual risk is rated high."),
}


def to_revision(services, people, changes: dict) -> int:
    """Drafted, assessed, consulted (staff, liaison, equality lead) and reassessed: the revision is next.
    The reassessment starts from the first assessment, so it keeps that assessment's answers."""
    policy_id = services.commands.start(people["mary"], "Recording during scans", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks", **changes.get("risk", {}))
    for name in ("sam", "alex", "kim"):
        complete(services, people[name], "staff_consultation", **changes.get(name, {}))
    complete(services, people["pat"], "patient_consultation", **changes.get("pat", {}))
    complete(services, people["eve"], "equality_impact")
    complete(services, people["mary"], "reassess_risks", **changes.get("risk", {}), **changes.get("reassess", {}))
    return policy_id


def page_of(app, username: str, url: str) -> str:
    browser = app.test_client()
    login(browser, username)
    return browser.get(url).get_data(as_text=True)


def warnings_on(html: str) -> str:
    found = re.search(r'<section class="warning-signs".*?</section>', html, re.S)
    return visible_text(found.group(0)) if found else ""


def asked_to_justify(services, actor, task_id: str) -> dict[str, str]:
    """{field: warning sign text} for each sign the justification page asks about, one field each."""
    page = services.queries.task_page(actor, task_id)
    texts = {found.sign: found.text for found in page.context.warning_signs}
    return {name: texts[prop["x-justifies"]] for name, prop in page.form["properties"].items() if "x-justifies" in prop}


@pytest.mark.parametrize("sign", list(SIGNS))
def test_each_warning_sign_is_flagged_justified_and_shown_to_both_sign_offs(app, services, people, sign):
    changes, sign_id, text = SIGNS[sign]
    to_revision(services, people, changes)
    complete(services, people["mary"], "revise_policy")  # the diagram works out the signs from what was submitted
    assert [t["name"] for t in services.queries.inbox(people["gil"])] == [], "no review before a justification"
    assert [t["name"] for t in services.queries.inbox(people["emma"])] == [], "no sign-off before a justification"
    manager = app.test_client()
    login(manager, "mary")
    justify_id = task_of(services, people["mary"], "justify_warning_signs")["id"]
    justify = f"/tasks/{justify_id}"
    assert text in visible_text(manager.get(justify).get_data(as_text=True))
    fields = asked_to_justify(services, people["mary"], justify_id)
    assert f"justify_{sign_id}" in fields and fields[f"justify_{sign_id}"] == text, fields
    refused = submit(manager, justify, {"justification": ""})
    assert refused.status_code == 422
    assert f"Justify this warning sign: {text}" in visible_text(refused.get_data(as_text=True))
    assert submit(manager, justify, html_form_data({field: JUSTIFICATION for field in fields})).status_code == 302

    for who, element in (("gil", "information_governance"), ("emma", "employer_signoff"), ("ian", "insurer_signoff")):
        shown = warnings_on(page_of(app, who, f"/tasks/{task_of(services, people[who], element)['id']}"))
        assert text in shown and JUSTIFICATION in shown, who
        complete(services, people[who], element)


def test_the_employer_confirming_the_risk_strategy_resolves_employer_not_aware(app, services, people):
    changes, _, text = SIGNS["the employer is not aware"]
    to_revision(services, people, changes)
    complete(services, people["mary"], "revise_policy")
    complete(services, people["mary"], "justify_warning_signs", justification=JUSTIFICATION)
    complete(services, people["gil"], "information_governance")
    employer = f"/tasks/{task_of(services, people['emma'], 'employer_signoff')['id']}"
    assert "Resolved" not in warnings_on(page_of(app, "emma", employer)), "not before the employer has checked"
    complete(services, people["emma"], "employer_signoff", decision="approved", risk_strategy_checked=True)
    shown = warnings_on(page_of(app, "ian", f"/tasks/{task_of(services, people['ian'], 'insurer_signoff')['id']}"))
    assert f"Resolved {text} How: The employer checked the local arrangements against its risk management strategy" \
        in shown and "— emma, Employer sign-off" in shown
    api = services.queries.task_page(people["ian"], task_of(services, people["ian"], "insurer_signoff")["id"]).context
    assert [(r.sign, r.by) for r in api.resolved_signs] == [("employer_not_aware", "emma")]


def test_without_warning_signs_the_policy_goes_straight_to_sign_off(app, services, people):
    to_revision(services, people, {})
    complete(services, people["mary"], "revise_policy")
    assert [t["name"] for t in services.queries.inbox(people["mary"])] == [], "nothing to justify"
    governance = task_of(services, people["gil"], "information_governance")
    assert warnings_on(page_of(app, "gil", f"/tasks/{governance['id']}")) == ""
    complete(services, people["gil"], "information_governance")
    emma_task = task_of(services, people["emma"], "employer_signoff")
    assert warnings_on(page_of(app, "emma", f"/tasks/{emma_task['id']}")) == ""
    assert [t["name"] for t in services.queries.inbox(people["mary"])] == []


def test_a_later_round_starts_from_the_earlier_justification(services, people):
    to_revision(services, people, SIGNS["the liaison group opposes"][0])
    complete(services, people["mary"], "revise_policy")
    complete(services, people["mary"], "justify_warning_signs", justification=JUSTIFICATION)
    complete(services, people["gil"], "information_governance")
    complete(services, people["emma"], "employer_signoff", decision="changes_requested", comments="More detail.")
    complete(services, people["mary"], "revise_policy")
    again = services.queries.task_page(people["mary"], task_of(services, people["mary"], "justify_warning_signs")["id"])
    assert again.values == {"justification": JUSTIFICATION}
