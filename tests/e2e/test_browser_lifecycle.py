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
COMMITTEE, MINUTE = "Clinical Governance Committee", "CGC/2026/114"
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
    # 3 x 3 = 9 is the highest score: the NPSA matrix's 8-12 band.
    expect(page.locator(".risk-summary")).to_contain_text("Highest score so far: 9. Provisional rating: High")
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
        "Screen images at the end of the scan keep every risk moderate or lower once the mitigations are in place.")


def assess_equality_impact(page: Page, today: date) -> None:
    expect(page.get_by_role("heading", level=2, name="Equality impact assessment")).to_be_visible()
    for characteristic in ("Age", "Gender reassignment", "Marriage and civil partnership", "Race",
                           "Religion or belief", "Sex", "Sexual orientation"):
        choose(page, f"{characteristic}: impact", "No impact")
    choose(page, "Carers (not a protected characteristic", "No impact")  # screened too, as NHS trusts do
    choose(page, "Disability: impact", "Positive impact")
    choose(page, "Pregnancy and maternity: impact", "Positive impact")
    field(page, "Evidence and notes on the screening").fill(
        "Screened with the Maternity Voices Partnership and two years of PALS feedback.")
    field(page, "Reasonable adjustments").fill(
        "Patients who need it may audio-record the explanation as an aid for memory or hearing.")
    field(page, "Language and communication needs").fill(
        "The poster and the easy read version are translated; interpreters explain the policy.")
    choose(page, "Outcome of the assessment", "Go ahead with the adjustments above")
    field(page, "Date of the assessment").fill(today.isoformat())


#: (risk, likelihood after the consultation, residual likelihood, residual impact, owner)
REASSESSED = (("Medico-legal complications", None, "2 – unlikely", "3 – moderate", "Imaging Services Manager"),
              ("Staff preferences", "3 – possible", "2 – unlikely", "3 – moderate", "Lead Sonographer"),
              ("Distraction and stress", None, "2 – unlikely", "2 – minor", "Lead Sonographer"),
              ("Longer examinations", None, "1 – rare", "2 – minor", "Ultrasound Department Manager"))


def reassess_risks(page: Page) -> None:
    expect(page.get_by_role("heading", level=2, name="Reassess the risks")).to_be_visible()
    # The form starts from the first assessment...
    expect(page.get_by_role("group", name=re.compile(r"^Medico-legal complications: likelihood")).get_by_role(
        "radio", name="3 – possible", exact=True)).to_be_checked()
    expect(field(page, "Staff preferences: mitigations")).to_have_value("Individual opt-outs are honoured.")
    for risk, likelihood, residual_likelihood, residual_impact, owner in REASSESSED:
        if likelihood:  # one of the three staff asked is not willing: staff preference is rescored
            choose(page, f"{risk}: likelihood", likelihood)
        choose(page, f"{risk}: residual likelihood", residual_likelihood)
        choose(page, f"{risk}: residual impact", residual_impact)
        field(page, f"{risk}: risk owner").fill(owner)
    expect(page.get_by_role("group", name="Staff preferences", exact=True).locator("output[data-score]")).to_have_text("9")


def information_governance_review(page: Page, today: date) -> None:
    expect(page.get_by_role("heading", level=2, name="Information governance review")).to_be_visible()
    choose(page, "Your decision", "Approve")
    choose(page, "Patients' own recordings",
           "Personal use: the trust is not the controller; staff may ask, not compel, deletion")
    choose(page, "Images the trust makes",
           "The trust is the controller: retention and access follow the records policy")
    choose(page, "Other people captured",
           "The policy protects their privacy (what may be recorded, where, sharing)")
    field(page, "Date of the review").fill(today.isoformat())


def ratify(page: Page, today: date) -> None:
    expect(page.get_by_role("heading", level=2, name="Ratify the policy")).to_be_visible()
    choose(page, "The committee's decision", "Approved")
    field(page, "Committee").fill(COMMITTEE)
    field(page, "Meeting date").fill(today.isoformat())
    field(page, "Minute reference").fill(MINUTE)


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
    # 3 x 3 = 9 is the highest score: a high rating on the NPSA matrix, before any mitigation.
    expect(page.get_by_text(re.compile(r"risk rating\s+high"))).to_be_visible()
    expect(current_steps(page)).to_contain_text("Give your view as staff")
    expect(current_steps(page)).to_contain_text("Give the patient liaison view")
    expect(current_steps(page)).to_contain_text("Assess the equality impact")
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

    # --- eve (equality lead) assesses the draft's equality impact ----------------------------
    today = live_server.services.clock().date()
    ui.sign_in(page, "eve")
    open_task_from_inbox(page, "Assess the equality impact")
    expect(page.locator("details").filter(has_text="The current draft policy")).to_contain_text(HOW_TO_ASK)
    assess_equality_impact(page, today)
    submit(page, "Assess the equality impact")
    ui.sign_out(page, "eve")

    # --- mary reassesses the risks in the light of the consultation, then revises the draft ---
    ui.sign_in(page, "mary")
    open_task_from_inbox(page, "Reassess the risks")
    responses = page.get_by_role("region", name="Consultation")  # the consultation beside the form
    expect(responses).to_contain_text("3 staff responses")
    expect(responses).to_contain_text("No, I am not willing: 1")
    expect(page.get_by_role("region", name="Risk assessment")).to_contain_text("The highest score is 9")
    reassess_risks(page)
    submit(page, "Reassess the risks")
    # The residual rating (highest residual score 2 x 3 = 6) beside the initial one.
    expect(page.get_by_text(re.compile(r"risk rating\s+moderate\s+\(initial: high\)"))).to_be_visible()

    current_steps(page).get_by_role("link", name="Consolidate and revise").click()
    expect(page.get_by_role("heading", level=1, name="Consolidate and revise")).to_be_visible()
    responses = page.get_by_role("region", name="Consultation")
    expect(responses).to_contain_text("3 staff responses")
    expect(responses).to_contain_text("No, I am not willing: 1")
    expect(responses).to_contain_text("Maternity Voices Partnership")
    for name in STAFF:  # staff answers are shown without names
        expect(responses).not_to_contain_text(re.compile(rf"\b{name}\b", re.IGNORECASE))
    expect(page.get_by_role("region", name="Risk assessment")).to_contain_text(
        "After them the highest residual score is 6")
    expect(field(page, "How to ask")).to_have_value(HOW_TO_ASK)  # the draft is carried over
    expect(page.get_by_role("checkbox", name=re.compile(r"^Reassess the risks first"))).not_to_be_checked()
    field(page, "Staff who do not want to be filmed").fill(
        "Any sonographer may decline to be recorded; a colleague takes over, and the patient is told why.")
    field(page, "Revision notes").fill("Added the staff opt-out arrangements raised in consultation.")
    submit(page, "Consolidate and revise")

    # No warning sign was found: information governance is the current step, highlighted in the diagram.
    expect(current_steps(page)).to_contain_text("Information governance review")
    diagram = ui.wait_for_diagram(page)
    expect(diagram.locator('g.djs-element[data-element-id="information_governance"]')).to_have_class(
        re.compile(r"\bpf-current\b"))
    for done in ("equality_impact", "reassess_risks", "revise_policy"):
        expect(diagram.locator(f'g.djs-element[data-element-id="{done}"]')).to_have_class(
            re.compile(r"\bpf-completed\b"))
    expect(page.locator("[data-diagram-status]")).to_contain_text("Current step: Information governance review.")
    screenshot = tmp_path / "policy-at-information-governance.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000
    ui.sign_out(page, "mary")

    # --- gil (information governance) approves the data-protection position -----------------
    ui.sign_in(page, "gil")
    open_task_from_inbox(page, "Information governance review")
    expect(page.locator("details").filter(has_text="The current draft policy")).to_contain_text(HOW_TO_ASK)
    expect(page.get_by_role("region", name="The manager's revision notes")).to_contain_text(
        "Added the staff opt-out arrangements")
    information_governance_review(page, today)
    submit(page, "Information governance review")
    ui.sign_out(page, "gil")

    # --- emma (employer) and ian (insurer) approve --------------------------------------------
    for name, task, box in (("emma", "Employer sign-off", "Local arrangements checked against the risk management strategy"),
                            ("ian", "Insurer sign-off", "Insurance arrangements confirmed")):
        ui.sign_in(page, name)
        open_task_from_inbox(page, task)
        expect(page.locator("details").filter(has_text="The current draft policy")).to_contain_text(HOW_TO_ASK)
        risks = page.get_by_role("region", name="Risk assessment")
        expect(risks).to_contain_text("Before the mitigations the highest score is 9, rated High")
        expect(risks).to_contain_text("After them the highest residual score is 6")
        governance = page.get_by_role("region", name="Equality, information governance and ratification")
        expect(governance).to_contain_text(re.compile(r"\beve\b"))  # who assessed the equality impact
        expect(governance).to_contain_text(re.compile(r"\bgil\b"))  # and who reviewed information governance
        choose(page, "Your decision", "Approve")
        tick(page, box)
        submit(page, task)
        ui.sign_out(page, name)

    # --- cora (committee) ratifies ------------------------------------------------------------
    ui.sign_in(page, "cora")
    open_task_from_inbox(page, "Ratify the policy")
    signoffs = page.get_by_role("region", name="Sign-off decisions so far")
    for name in ("emma", "ian"):  # who signed off, beside the committee's form
        expect(signoffs).to_contain_text(re.compile(rf"\b{name}\b"))
    expect(page.get_by_role("region", name="Risk assessment")).to_contain_text("After them the highest residual score is 6")
    ratify(page, today)
    submit(page, "Ratify the policy")
    ui.sign_out(page, "cora")

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
    control = visitor.get_by_role("region", name="Document control")  # the governance steps, by date, never by name
    for fact, said in (("Ratified by", f"{COMMITTEE}, {when(today)} (minute {MINUTE})"),
                       ("Equality impact assessment", when(today)), ("Information governance review", when(today))):
        expect(control).to_contain_text(re.compile(rf"{re.escape(fact)}\s*{re.escape(said)}"))
    body = visitor.locator("body")
    for name in live_server.people:  # nobody who worked on it is named, staff least of all
        expect(body).not_to_contain_text(re.compile(rf"\b{name}\b", re.IGNORECASE))
    expect(article).not_to_contain_text("Added the staff opt-out arrangements")  # internal notes stay internal
