"""Forms that tell the truth: every problem at once, a "no" that can be given, defaults shown,
conditional fields marked, the risk matrix scored, and dates checked for sense.

Read as a person reads the pages (Flask's client, no JavaScript): what the page
says and which fields it shows.
"""
from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape

from tests.answers import answers_for
from tests.html import links, visible_text
from tests.lifecycle import complete, task_of, to_signoff
from tests.web import html_form_data, login, submit
from workflows.wiring import BPMN_DIR


def open_task(app, services, people, username: str, element: str):
    browser = app.test_client()
    login(browser, username)
    return browser, f"/tasks/{task_of(services, people[username], element)['id']}"


def test_an_empty_draft_lists_every_missing_answer_at_once(app, services, people, client, tokens):
    services.commands.start(people["mary"], "Recording during scans", "Ultrasound")
    browser, url = open_task(app, services, people, "mary", "draft_policy")
    response = submit(browser, url, {})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    required = json.loads((BPMN_DIR / "forms" / "draft_policy.schema.json").read_text())["required"]
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert f"{len(required)} problems to put right" in visible_text(summary)
    assert [href for href, _text in links(summary)] == [f"#field-{name}" for name in required]
    for name in required:
        assert re.search(rf'id="field-{name}".*?class="field-error" id="{name}-error"', html, re.S), name

    api = client.post(f"/api/v1/tasks/{url.rsplit('/', 1)[1]}/complete", json={"data": {}},
                      headers={"Authorization": f"Bearer {tokens['mary']}"})
    assert api.status_code == 422
    assert [error["field"] for error in api.get_json()["errors"]] == required


def test_a_truthful_no_is_accepted_and_becomes_a_warning_sign(app, services, people):
    services.commands.start(people["mary"], "Recording during scans", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    browser, url = open_task(app, services, people, "mary", "assess_risks")
    html = browser.get(url).get_data(as_text=True)
    assert re.search(r'<input type="radio" id="employer_aware_of_arrangements-2" name="employer_aware_of_arrangements" '
                     r'value="false"', html), "the question can be answered no"
    answers = answers_for("risk_assessment.schema.json", employer_aware_of_arrangements=False)
    assert submit(browser, url, html_form_data(answers)).status_code == 302
    for name in ("sam", "alex", "kim"):
        complete(services, people[name], "staff_consultation")
    complete(services, people["pat"], "patient_consultation")
    complete(services, people["eve"], "equality_impact")
    # the reassessment starts from the first assessment: the manager keeps the employer's "no"
    complete(services, people["mary"], "reassess_risks", employer_aware_of_arrangements=False)
    complete(services, people["mary"], "revise_policy")  # the warning signs are found once the revision is in
    justify = browser.get(f"/tasks/{task_of(services, people['mary'], 'justify_warning_signs')['id']}").get_data(as_text=True)
    assert "The employer is not aware of the local arrangements." in visible_text(justify)
    assert re.findall(r'<textarea id="(justify_\w+)"', justify) == ["justify_employer_not_aware"], (
        "one justification for the one sign found")


def test_defaults_are_shown_and_conditional_fields_say_when_they_apply(app, services, people):
    services.commands.start(people["mary"], "Recording during scans", "Ultrasound")
    browser, url = open_task(app, services, people, "mary", "draft_policy")
    html = browser.get(url).get_data(as_text=True)
    assert re.search(r'<input id="review_interval_months" name="review_interval_months" type="number"[^>]*value="12"', html)
    shown_when = {name: json.loads(unescape(rule)) for name, rule in
                  re.findall(r'id="field-(\w+)" data-show-when="([^"]+)"', html)}
    assert shown_when["conditions"] == [{"decision": ["permitted_with_conditions"]}]
    assert shown_when["staff_opt_out"] == [{"decision": ["permitted", "permitted_with_conditions"]}]
    assert "summary" not in shown_when, "a field every policy needs is always shown"
    assert re.search(r'<textarea id="conditions"', html), "without JavaScript every field is on the page"
    assert '<script src="/static/js/task-form.js"></script>' in html


def test_sign_off_comments_stay_visible_but_the_approval_check_applies_only_to_approving(app, services, people):
    to_signoff(services, people)
    browser, url = open_task(app, services, people, "emma", "employer_signoff")
    html = browser.get(url).get_data(as_text=True)
    assert 'id="field-comments" data-show-when' not in html, "comments may accompany an approval"
    assert re.search(r'id="field-risk_strategy_checked" data-show-when="[^"]*approved', html)


def test_the_risk_matrix_scores_each_risk_and_previews_the_rating(app, services, people):
    services.commands.start(people["mary"], "Recording during scans", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    browser, url = open_task(app, services, people, "mary", "assess_risks")
    empty = browser.get(url).get_data(as_text=True)
    groups = re.findall(r'<fieldset class="risk" data-risk data-likelihood="(\w+)" data-impact="(\w+)">\s*<legend>([^<]+)',
                        empty)
    assert [name for _l, _i, name in groups] == ["Medico-legal complications", "Staff preferences",
                                                 "Distraction and stress", "Longer examinations"]
    assert "data-rating-rules" in empty and "Highest score so far: –" in visible_text(empty)

    partial = {"medico_legal_likelihood": "4", "medico_legal_impact": "4", "duration_likelihood": "2",
               "duration_impact": "3", "action": "save"}
    assert submit(browser, url, partial).status_code == 302
    page = visible_text(browser.get(url).get_data(as_text=True))
    assert "Score (likelihood × impact): 16" in page and "Score (likelihood × impact): 6" in page
    assert "Highest score so far: 16. Provisional rating: Extreme (The highest score is 15 to 25)." in page


def test_an_effective_date_in_the_past_needs_a_reason(app, services, people, clock):
    policy_id = to_signoff(services, people)
    complete(services, people["emma"], "employer_signoff")
    complete(services, people["ian"], "insurer_signoff")
    complete(services, people["cora"], "ratification")
    browser, url = open_task(app, services, people, "mary", "publish_policy")
    past = (clock().date() - timedelta(days=30)).isoformat()
    refused = submit(browser, url, {"effective_date": past})
    assert refused.status_code == 422
    message = visible_text(re.search(r'id="field-effective_date".*?</div>', refused.get_data(as_text=True), re.S).group(0))
    assert "is before today" in message and "Reason for an effective date in the past" in message

    accepted = submit(browser, url, {"effective_date": past, "effective_date_reason": "Agreed at the March board."})
    assert accepted.status_code == 302
    page = visible_text(app.test_client().get(f"/published/{policy_id}").get_data(as_text=True))
    assert f"effective from {clock().date() - timedelta(days=30):%d %b %Y}" in page
