"""One policy carried from "Start a policy" to its public page in a real Chromium, by the pages alone.

Every role signs in through the login form, opens its task from the inbox (or the policy
page), fills the form by the labels the people see (the forms' titles and x-enumLabels in
bpmn/forms/*.schema.json), presses Submit and signs out with the nav button.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

TITLE = "Recording images during ultrasound examinations"
HOW_TO_ASK = "Ask the sonographer at the start of your scan."
PUBLIC_SUMMARY = "You may photograph the ultrasound image on screen at the end of your scan."
STAFF = ("sam", "alex", "kim")
NOT_WILLING = "alex"


def when(day: date) -> str:
    """A date as the pages show it (webapp.templating.when)."""
    return day.strftime("%d %b %Y")


def a_week_after(day: date) -> date:
    return day + timedelta(days=7)


def a_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def field(page: Page, label: str):
    """The text control whose label starts with ``label`` (labels may end in "(required)")."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}(\s*\(required\))?$"))


def choose(page: Page, group: str, option: str) -> None:
    """Pick the radio ``option`` in the fieldset whose legend is ``group``."""
    page.get_by_role("group", name=re.compile(rf"^{re.escape(group)}")).get_by_role(
        "radio", name=option, exact=True).check()


def tick(page: Page, name: str) -> None:
    page.get_by_role("checkbox", name=re.compile(rf"^{re.escape(name)}")).check()


def answer_yes(page: Page, question: str) -> None:
    """A yes/no question is two radios under the question, so "no" can be answered too."""
    choose(page, question, "Yes")


def submit(page: Page, task_title: str) -> None:
    """Press Submit; the task is done when the policy page thanks the person for it."""
    page.get_by_role("button", name="Submit", exact=True).click()
    page.wait_for_url(re.compile(r"/policies/\d+$"))
    expect(page.get_by_role("status").filter(has_text=f"“{task_title}” is done")).to_be_visible()


def open_task_from_inbox(page: Page, task_title: str) -> None:
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=TITLE, exact=True))
    row.get_by_role("link", name=task_title, exact=True).click()
    page.wait_for_url(re.compile(r"/tasks/[^/]+$"))
    expect(page.get_by_role("heading", level=1, name=task_title)).to_be_visible()


def current_steps(page: Page):
    return page.get_by_role("region", name=re.compile(r"^Current step"))


def draft_policy(page: Page) -> None:
    expect(page.get_by_role("heading", level=2, name="Draft the policy")).to_be_visible()
    conditions = field(page, "Conditions for recording")
    expect(conditions).to_be_hidden()  # it applies only once recording is permitted with conditions
    field(page, "Organisation").fill("Riverside NHS Foundation Trust")
    field(page, "Policy owner").fill("Imaging Services Manager, Ultrasound")
    field(page, "Summary for the public").fill(PUBLIC_SUMMARY)
    field(page, "Purpose of the policy").fill("To let families keep a picture of their scan and protect everyone's privacy.")
    choose(page, "Decision on recording", "Permitted with conditions")
    expect(conditions).to_be_visible()
    tick(page, "Photographs of the images on screen")
    tick(page, "Obstetric ultrasound")
    tick(page, "Ultrasound (non-obstetric)")
    field(page, "Settings covered").fill("Antenatal ultrasound rooms 1-4 at the main site.")
    field(page, "Conditions for recording").fill(
        "Only the image on screen, only at the end of the scan, when the sonographer agrees.")
    field(page, "Recordings are not a diagnosis; unreported abnormalities").fill(
        "Patients are told recordings are not diagnostic; the report is the record.")
    field(page, "Conversations between staff and the patient").fill(
        "Conversations with the sonographer may not be recorded.")
    field(page, "Recording without telling staff (covert recording)").fill("Recording without telling staff is not allowed.")
    field(page, "Sharing recordings, including on social media").fill("Do not share images showing staff or other patients.")
    field(page, "Other people's privacy").fill("Never record other patients or visitors.")
    field(page, "How to ask").fill(HOW_TO_ASK)
    field(page, "Staff who do not want to be filmed").fill(
        "Any sonographer may decline to be recorded; a colleague takes over where possible.")
    field(page, "What staff will do if recording starts without permission").fill(
        "Staff will ask you to stop, pause the examination and call the lead sonographer if it continues.")
    field(page, "Contact and complaints").fill("Ultrasound reception 01234 567890; complaints: PALS.")
    field(page, "Incident reporting").fill("Report filming without permission on the incident system within 24 hours.")
    field(page, "Exceptions").fill("Images given by sonographers under the agreed souvenir-image procedure.")
    field(page, "Notice to patients before the examination").fill("Appointment letter explains the policy.")
    field(page, "Notice to patients at the examination").fill("A poster in each room and a verbal reminder at the start.")
    expect(field(page, "Review interval (months)")).to_have_value("12")  # the form's default is shown


def assess_risks(page: Page) -> None:
    expect(page.get_by_role("heading", level=2, name="Assess the risks")).to_be_visible()
    for risk, likelihood, impact in (("Medico-legal complications", "3 – possible", "3 – moderate"),
                                     ("Staff preferences", "2 – unlikely", "3 – moderate"),
                                     ("Distraction and stress", "2 – unlikely", "3 – moderate"),
                                     ("Longer examinations", "2 – unlikely", "2 – minor")):
        choose(page, f"{risk}: likelihood", likelihood)
        choose(page, f"{risk}: impact", impact)
        score = int(likelihood[0]) * int(impact[0])
        expect(page.get_by_role("group", name=risk, exact=True).locator("output[data-score]")).to_have_text(str(score))
    # 3 x 3 = 9 is the highest score: the risk rating table's 8-14 row.
    expect(page.locator(".risk-summary")).to_contain_text("Highest score so far: 9. Provisional rating: Medium")
    field(page, "Medico-legal complications: mitigations").fill("Tell patients the recording is not diagnostic.")
    field(page, "Abnormality recorded but not reported or acted upon").fill(
        "Possible if a patient records an image before the report.")
    field(page, "Conversations recorded").fill("Audio recording is not permitted.")
    answer_yes(page, "The employer is aware of the local arrangements")
    field(page, "Staff preferences: mitigations").fill("Individual opt-outs are honoured.")
    field(page, "Staff preferences as a group").fill("Most of the team accept recording of the screen only.")
    field(page, "Distraction and stress: mitigations").fill("Recording only at the end of the scan.")
    field(page, "Longer examinations: mitigations").fill("One minute at the end of the scan at most.")
    field(page, "Rationale for the policy decision").fill(
        "Screen images at the end of the scan keep all four risks low to medium.")


def test_policy_goes_from_start_to_public_page(live_server, browser_page, new_context, ui, tmp_path):
    page = browser_page
    page.goto("/")
    page.wait_for_url("**/published")
    expect(page.get_by_text("No policy has been published yet.")).to_be_visible()

    # --- mary (manager) starts the policy, drafts it and assesses the risks -----------------
    ui.sign_in(page, "mary")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Start a policy").click()
    page.wait_for_url("**/policies/new")
    page.get_by_label("Title").fill(TITLE)
    expect(page.get_by_label("Department")).to_have_value("Ultrasound")
    page.get_by_role("button", name="Start the policy").click()
    page.wait_for_url(re.compile(r"/policies/\d+$"))
    expect(page.get_by_role("status").filter(has_text=f"Policy “{TITLE}” started.")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name=TITLE)).to_be_visible()

    current_steps(page).get_by_role("link", name="Draft the policy").click()
    expect(page.get_by_role("heading", level=1, name="Draft the policy")).to_be_visible()
    draft_policy(page)
    submit(page, "Draft the policy")
    expect(page.get_by_role("region", name="Current draft")).to_contain_text(HOW_TO_ASK)

    current_steps(page).get_by_role("link", name="Assess the risks").click()
    expect(page.get_by_role("heading", level=1, name="Assess the risks")).to_be_visible()
    assess_risks(page)
    submit(page, "Assess the risks")
    # 3 x 3 = 9 is the highest score: a medium overall rating.
    expect(page.get_by_text(re.compile(r"risk rating\s+medium"))).to_be_visible()
    expect(current_steps(page)).to_contain_text("Give your view as staff")
    expect(current_steps(page)).to_contain_text("Give the patient liaison view")
    ui.sign_out(page, "mary")

    # --- three members of staff give their view; one is not willing to be filmed -----------
    for name in STAFF:
        ui.sign_in(page, name)
        open_task_from_inbox(page, "Give your view as staff")
        expect(page.get_by_role("heading", level=2, name="Your view as a member of staff")).to_be_visible()
        if name == NOT_WILLING:
            choose(page, "Are you willing to be filmed or recorded while you work?", "No, I am not willing")
            field(page, "Comments on the draft policy").fill("I do not want to be filmed.")
        else:
            choose(page, "Are you willing to be filmed or recorded while you work?", "Yes, I am willing")
            field(page, "Comments on the draft policy").fill("Fine with the screen only.")
        submit(page, "Give your view as staff")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="My tasks").click()
        page.wait_for_url("**/inbox")
        expect(page.get_by_text("Nothing is waiting for you right now.")).to_be_visible()
        ui.sign_out(page, name)

    # --- pat (patient liaison) gives the group's view ---------------------------------------
    ui.sign_in(page, "pat")
    open_task_from_inbox(page, "Give the patient liaison view")
    field(page, "Patient liaison group").fill("Maternity Voices Partnership")
    field(page, "Date consulted").fill("2026-10-01")
    choose(page, "The group's view", "Supports the policy")
    field(page, "Comments").fill("Parents value a picture of the screen.")
    answer_yes(page, "The group agrees where the policy will be publicly available")
    submit(page, "Give the patient liaison view")
    ui.sign_out(page, "pat")

    # --- mary revises the draft in the light of the consultation -----------------------------
    ui.sign_in(page, "mary")
    open_task_from_inbox(page, "Consolidate and revise")
    responses = page.get_by_role("region", name="Consultation")
    expect(responses).to_contain_text("3 staff responses")
    expect(responses).to_contain_text("No, I am not willing: 1")
    expect(responses).to_contain_text("Maternity Voices Partnership")
    for name in STAFF:  # staff answers are shown without names
        expect(responses).not_to_contain_text(re.compile(rf"\b{name}\b", re.IGNORECASE))
    expect(field(page, "How to ask")).to_have_value(HOW_TO_ASK)  # the draft is carried over
    field(page, "Staff who do not want to be filmed").fill(
        "Any sonographer may decline to be recorded; a colleague takes over, and the patient is told why.")
    field(page, "Revision notes").fill("Added the staff opt-out arrangements raised in consultation.")
    submit(page, "Consolidate and revise")

    # The employer's sign-off is now the current step, highlighted in the diagram.
    expect(current_steps(page)).to_contain_text("Employer sign-off")
    diagram = ui.wait_for_diagram(page)
    expect(diagram.locator('g.djs-element[data-element-id="employer_signoff"]')).to_have_class(
        re.compile(r"\bpf-current\b"))
    expect(diagram.locator('g.djs-element[data-element-id="revise_policy"]')).to_have_class(
        re.compile(r"\bpf-completed\b"))
    expect(page.locator("[data-diagram-status]")).to_contain_text("Current step: Employer sign-off.")
    screenshot = tmp_path / "policy-at-employer-signoff.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000
    ui.sign_out(page, "mary")

    # --- emma (employer) and ian (insurer) approve --------------------------------------------
    for name, task, box in (("emma", "Employer sign-off", "Local arrangements checked against the risk management strategy"),
                            ("ian", "Insurer sign-off", "Insurance arrangements confirmed")):
        ui.sign_in(page, name)
        open_task_from_inbox(page, task)
        expect(page.locator("details").filter(has_text="The current draft policy")).to_contain_text(HOW_TO_ASK)
        expect(page.get_by_role("region", name="Risk assessment")).to_contain_text("The highest score is 9")
        choose(page, "Your decision", "Approve")
        tick(page, box)
        submit(page, task)
        ui.sign_out(page, name)

    # --- mary publishes -----------------------------------------------------------------------
    ui.sign_in(page, "mary")
    open_task_from_inbox(page, "Publish the policy")
    effective = a_week_after(live_server.services.clock().date())
    field(page, "Effective date").fill(effective.isoformat())
    submit(page, "Publish the policy")
    expect(page.get_by_text("Published", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Read the published policy")).to_be_visible()
    ui.wait_for_diagram(page)
    ui.sign_out(page, "mary")

    # --- an anonymous visitor reads it --------------------------------------------------------
    visitor = new_context(base_url=live_server.url).new_page()
    visitor.set_default_timeout(10_000)
    visitor.goto("/published")
    review = when(a_year_after(effective))  # counted from the date the policy takes effect
    row = visitor.get_by_role("row").filter(has=visitor.get_by_role("link", name=TITLE, exact=True))
    expect(row.get_by_role("cell")).to_have_text([TITLE, "Ultrasound", "1", when(effective), review, "comes into force"])  # it takes effect in a week
    row.get_by_role("link", name=TITLE, exact=True).click()
    visitor.wait_for_url(re.compile(r"/published/\d+$"))
    article = visitor.locator("article")
    expect(visitor.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
    facts = article.locator("dl.facts")
    expect(facts.locator("dt")).to_contain_text(["Department", "Version", "Effective from", "Next review"])
    expect(facts.locator("dd")).to_contain_text(["Ultrasound", "1", when(effective), review])
    expect(article).to_contain_text(PUBLIC_SUMMARY)
    expect(article).to_contain_text(HOW_TO_ASK)
    expect(article).to_contain_text("Every member of staff was asked individually")
    body = visitor.locator("body")
    for name in live_server.people:  # nobody who worked on it is named, staff least of all
        expect(body).not_to_contain_text(re.compile(rf"\b{name}\b", re.IGNORECASE))
    expect(article).not_to_contain_text("Added the staff opt-out arrangements")  # internal notes stay internal
