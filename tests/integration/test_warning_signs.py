"""Warning signs are routed, not ignored: each is flagged to the manager at revision, needs a
written justification before sign-off, and is shown to both sign-offs with that justification.
The signs are worked out by the diagram (its revision pre-script and the "Warning signs?" gateway)."""
from __future__ import annotations

import re

import pytest

from tests.html import visible_text
from tests.lifecycle import complete, task_of
from tests.web import html_form_data, login, submit

JUSTIFICATION = "Only the screen may be photographed; the group's concern about other patients is met."
SIGNS = {
    "the liaison group opposes": ({"pat": {"view": "oppose"}}, "The patient liaison group opposes the policy."),
    "the employer is not aware": ({"risk": {"employer_aware_of_arrangements": False}},
                                  "The employer is not aware of the local arrangements."),
    "most staff are unwilling": ({"alex": {"willing_to_be_filmed": "not_willing"},
                                  "kim": {"willing_to_be_filmed": "not_willing"}},
                                 "Most staff who answered are not willing to be filmed."),
    "a high rating": ({"risk": {"distraction_likelihood": 5, "distraction_impact": 4}},
                      "The risk assessment is rated high."),
}


def to_revision(services, people, changes: dict) -> int:
    policy_id = services.commands.start(people["mary"], "Recording during scans", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks", **changes.get("risk", {}))
    for name in ("sam", "alex", "kim"):
        complete(services, people[name], "staff_consultation", **changes.get(name, {}))
    complete(services, people["pat"], "patient_consultation", **changes.get("pat", {}))
    return policy_id


def page_of(app, username: str, url: str) -> str:
    browser = app.test_client()
    login(browser, username)
    return browser.get(url).get_data(as_text=True)


def warnings_on(html: str) -> str:
    found = re.search(r'<section class="warning-signs".*?</section>', html, re.S)
    return visible_text(found.group(0)) if found else ""


@pytest.mark.parametrize("sign", list(SIGNS))
def test_each_warning_sign_is_flagged_justified_and_shown_to_both_sign_offs(app, services, people, sign):
    changes, text = SIGNS[sign]
    to_revision(services, people, changes)
    revise = f"/tasks/{task_of(services, people['mary'], 'revise_policy')['id']}"
    assert text in warnings_on(page_of(app, "mary", revise))

    complete(services, people["mary"], "revise_policy")
    assert [t["name"] for t in services.queries.inbox(people["emma"])] == [], "no sign-off before a justification"
    manager = app.test_client()
    login(manager, "mary")
    justify = f"/tasks/{task_of(services, people['mary'], 'justify_warning_signs')['id']}"
    assert text in visible_text(manager.get(justify).get_data(as_text=True))
    refused = submit(manager, justify, {"justification": ""})
    assert refused.status_code == 422 and "Justification is required." in visible_text(refused.get_data(as_text=True))
    assert submit(manager, justify, html_form_data({"justification": JUSTIFICATION})).status_code == 302

    for who, element in (("emma", "employer_signoff"), ("ian", "insurer_signoff")):
        shown = warnings_on(page_of(app, who, f"/tasks/{task_of(services, people[who], element)['id']}"))
        assert text in shown and JUSTIFICATION in shown, who
        complete(services, people[who], element)


def test_the_employer_confirming_the_risk_strategy_resolves_employer_not_aware(app, services, people):
    changes, text = SIGNS["the employer is not aware"]
    to_revision(services, people, changes)
    complete(services, people["mary"], "revise_policy")
    complete(services, people["mary"], "justify_warning_signs", justification=JUSTIFICATION)
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
    emma_task = task_of(services, people["emma"], "employer_signoff")
    assert warnings_on(page_of(app, "emma", f"/tasks/{emma_task['id']}")) == ""
    assert [t["name"] for t in services.queries.inbox(people["mary"])] == []


def test_a_later_round_starts_from_the_earlier_justification(services, people):
    to_revision(services, people, SIGNS["the liaison group opposes"][0])
    complete(services, people["mary"], "revise_policy")
    complete(services, people["mary"], "justify_warning_signs", justification=JUSTIFICATION)
    complete(services, people["emma"], "employer_signoff", decision="changes_requested", comments="More detail.")
    complete(services, people["mary"], "revise_policy")
    again = services.queries.task_page(people["mary"], task_of(services, people["mary"], "justify_warning_signs")["id"])
    assert again.values == {"justification": JUSTIFICATION}
