"""The pages people decide on (issue 13, section 7), in Chromium as each role reaches them: the
decision in reach on a desktop and a phone, what changed phrase by phrase, the incident report with
what a governance lead needs; axe-core finds no serious or critical violation on any of them.
Each page is kept as a screenshot in the test's folder, to look at."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.answers import answers_for
from tests.e2e.test_accessibility import assert_no_serious_violations
from tests.lifecycle import complete, task_of, to_published, to_signoff

pytestmark = pytest.mark.e2e

DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}
SECOND_ROUND, PUBLISHED = "Recording during ultrasound", "Recording in the fluoroscopy suite"
CONSULTING = "Recording in the MRI suite"
EMPLOYER_ASKS = "Say who staff call when filming continues."


def complete_on(services, actor, policy_id: int, element: str, **changes) -> None:
    """Complete the actor's ``element`` task of this policy (several policies wait at the same step)."""
    task = next(t for t in services.queries.inbox(actor) if t["name"] == element and t["policy_id"] == policy_id)
    services.commands.complete(actor, task["id"], answers_for(task["form"], **changes))


@pytest.fixture(scope="module")
def site(module_live_server):
    """A policy back at the employer for a second round (the procedure reworded, information
    governance approving again), one the employer has just sent back to the manager, and a published one."""
    services, people = module_live_server.services, module_live_server.people
    published = to_published(services, people, title=PUBLISHED)
    second = to_signoff(services, people, title=SECOND_ROUND)
    complete_on(services, people["emma"], second, "employer_signoff", decision="changes_requested",
                comments=EMPLOYER_ASKS)
    complete_on(services, people["mary"], second, "revise_policy",
                response_procedure="Staff will ask you to stop and call the lead sonographer at once "
                                   "(https://www.riverside.example/policies/recording-during-diagnostic-examinations).",
                revision_notes="Named the lead sonographer, as the employer asked.")
    complete_on(services, people["gil"], second, "information_governance")  # every round goes through IG again
    returned = to_signoff(services, people, title="Recording in CT")
    complete_on(services, people["emma"], returned, "employer_signoff", decision="changes_requested",
                comments=EMPLOYER_ASKS)
    services.incidents.report(people["sam"], published, {
        "occurred_on": "2026-01-05", "description": "A relative filmed the sonographer after being asked to stop.",
        "action_taken": "Scan paused; the lead spoke to the family.", "local_reference": "INC-2026-0412",
        "category": "filming_staff", "harm": "low", "support_offered": True,
        "support_details": "Debrief with the lead the same day.", "escalated_to": ["security"],
        "other_patients_captured": False})
    consulting = services.commands.start(people["mary"], CONSULTING, "Ultrasound")  # the equality lead's turn
    complete_on(services, people["mary"], consulting, "draft_policy")
    complete_on(services, people["mary"], consulting, "assess_risks")
    ack = next(t for t in services.queries.inbox(people["kim"]) if t["name"] == "acknowledge_policy")
    services.commands.complete(people["kim"], ack["id"], {"read_and_understood": False})
    module_live_server.ids = {"published": published}
    return module_live_server


@pytest.fixture
def page(new_context, site) -> Page:
    context = new_context(base_url=site.url, bypass_csp=True)  # axe is injected inline (see test_accessibility)
    context.set_default_timeout(10_000)
    return context.new_page()


def open_task(page: Page, ui, name: str, task: str, policy: str) -> None:
    page.goto("/published")
    ui.sign_in(page, name)
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=policy, exact=True))
    row.get_by_role("link", name=task).click()
    page.wait_for_url(re.compile(r"/tasks/[^/]+$"))
    expect(page.get_by_role("heading", level=1, name=task)).to_be_visible()


def signoff(page, ui, site):
    open_task(page, ui, "emma", "Employer sign-off", SECOND_ROUND)


def revision(page, ui, site):
    open_task(page, ui, "mary", "Consolidate and revise", "Recording in CT")


def incident_form_filled(page, ui, site):
    page.goto("/published")
    ui.sign_in(page, "sam")
    page.goto(f"/policies/{site.ids['published']}/incidents/new")
    page.get_by_label("Local incident reference").fill("INC-2026-0412")
    page.get_by_label("What kind of recording was it?").select_option("filming_staff")
    page.get_by_role("group", name=re.compile("^Was the staff member")).get_by_role("radio", name="Yes").check()
    expect(page.get_by_label(re.compile("^What support"))).to_be_visible()
    page.get_by_role("checkbox", name="Security").check()


def incident_form_with_errors(page, ui, site):
    page.goto("/published")
    ui.sign_in(page, "sam")
    page.goto(f"/policies/{site.ids['published']}/incidents/new")
    page.get_by_role("button", name="Report the incident").click()
    expect(page.get_by_role("alert")).to_contain_text("Harm is required.")


def acknowledgement(page, ui, site):
    open_task(page, ui, "sam", "Read and acknowledge the policy", PUBLISHED)
    expect(page.get_by_role("region", name="The published policy (version 1)")).to_be_visible()
    expect(page.get_by_role("radio", name="I need a briefing first")).to_be_visible()


def inbox_returned(page, ui, site):
    page.goto("/published")
    ui.sign_in(page, "mary")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Recording in CT", exact=True))
    expect(row).to_contain_text(f"Returned by emma (Employer sign-off: Request changes): “{EMPLOYER_ASKS}”")


def acknowledgements_with_briefing(page, ui, site):
    page.goto("/published")
    ui.sign_in(page, "mary")
    page.goto(f"/policies/{site.ids['published']}/acknowledgements")
    expect(page.get_by_role("row", name=re.compile("^kim"))).to_contain_text("Not yet: asked for a briefing")


def incidents_list(page, ui, site):
    page.goto("/published")
    ui.sign_in(page, "mary")
    page.goto(f"/policies/{site.ids['published']}/incidents/")
    expect(page.get_by_text("INC-2026-0412")).to_be_visible()
    expect(page.get_by_text("Filming or photographing staff", exact=False)).to_be_visible()


PAGES = {"acknowledgement": acknowledgement, "inbox-returned": inbox_returned,
         "acknowledgements-with-briefing": acknowledgements_with_briefing, "incidents-list": incidents_list,
         "signoff": signoff, "revision": revision, "incident-form-filled": incident_form_filled,
         "incident-form-with-errors": incident_form_with_errors}


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_accessibility_violations(page, ui, site, name, size, tmp_path):
    page.set_viewport_size(DESKTOP if size == "desktop" else PHONE)
    PAGES[name](page, ui, site)
    page.screenshot(path=str(tmp_path / f"{name}-{size}.png"), full_page=True)
    assert_no_serious_violations(page)


@pytest.mark.parametrize("reach", [signoff, revision], ids=["signoff", "revision"])
def test_on_a_desktop_the_decision_stays_in_view_beside_the_evidence(page, ui, site, reach):
    page.set_viewport_size(DESKTOP)
    reach(page, ui, site)
    submit = page.get_by_role("button", name="Submit", exact=True)
    evidence = page.get_by_role("region", name="Risk assessment")
    assert submit.bounding_box()["x"] > evidence.bounding_box()["x"] + evidence.bounding_box()["width"], "beside it"
    page.get_by_role("region", name="Consultation").scroll_into_view_if_needed()
    expect(page.locator("form#decision h2")).to_be_in_viewport()  # the form from its heading to its buttons
    expect(submit).to_be_in_viewport()
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function("() => window.scrollY + window.innerHeight >= document.body.scrollHeight - 2")
    expect(submit).to_be_in_viewport()  # still there at the end of the evidence


def test_on_a_phone_the_evidence_in_brief_comes_first_and_its_links_jump(page, ui, site):
    page.set_viewport_size(PHONE)
    signoff(page, ui, site)
    brief = page.get_by_role("navigation", name="The evidence in brief")
    expect(brief).to_contain_text("Risk assessment: rated")
    form_top = page.locator("form#decision").bounding_box()["y"]
    assert brief.bounding_box()["y"] < form_top < page.get_by_role("region", name="Risk assessment").bounding_box()["y"]
    brief.get_by_role("link", name="Go to the form").click()
    expect(page.locator("form#decision h2")).to_be_in_viewport()
    brief.get_by_role("link", name="The current draft policy").click()
    expect(page.locator("details#evidence-draft")).to_have_attribute("open", "")


def test_what_changed_has_a_key_and_a_side_by_side_view(page, ui, site):
    page.set_viewport_size(DESKTOP)
    signoff(page, ui, site)
    changes = page.get_by_role("region", name="What changed since the last round")
    expect(changes).to_contain_text("Key: removed text is struck through")
    expect(changes.locator(".diff del").first).to_have_text(re.compile("stop, pause the examination"))
    changes.get_by_text("Before and now, side by side").click()
    expect(changes.get_by_role("heading", name=re.compile(r"^Before \(round"))).to_be_visible()
    expect(changes.get_by_role("heading", name=re.compile(r"^Now \(round"))).to_be_visible()


JUSTIFIED = "Recording in the obstetric unit"
#: Each warning sign the set-up below makes the diagram find:
#: (the label of its field on the justify page, the sign as reviewers read it, the manager's justification).
SIGNS = {
    "liaison_disagrees_on_availability": (
        "The patient liaison group does not agree with where the policy will be publicly available: why go ahead",
        "The patient liaison group does not agree with where the policy will be publicly available.",
        "The policy goes on the trust website as well as the ward, as the group asked at its next meeting."),
    "most_staff_unwilling": (
        "Most staff who answered are not willing to be filmed: why go ahead",
        "Most staff who answered (2 of 3) are not willing to be filmed.",
        "Only the image on screen may be photographed; no member of staff is ever in the picture."),
    "preference_score_contradicts": (
        "The staff-preference likelihood contradicts the consultation: why go ahead",
        "The staff-preferences likelihood is 2 or less, but most staff who answered are not willing to be filmed.",
        "Opt-outs are honoured by rota, so a wish not to be filmed is always respected."),
}


def test_each_warning_sign_is_justified_on_its_own_and_shown_so_at_signoff(new_context, live_server, ui):
    """The justify page asks one labelled text per warning sign found, refuses a submission that
    leaves one empty (the error beside that field), and the employer then reads each sign with
    its own justification."""
    services, people = live_server.services, live_server.people
    services.commands.start(people["mary"], JUSTIFIED, "Ultrasound")
    for step in ("draft_policy", "assess_risks"):
        complete(services, people["mary"], step)
    for name, willing in (("sam", "not_willing"), ("alex", "not_willing"), ("kim", "willing")):
        complete(services, people[name], "staff_consultation", willing_to_be_filmed=willing)
    complete(services, people["pat"], "patient_consultation", publicly_available_agreed=False)
    complete(services, people["eve"], "equality_impact")
    complete(services, people["mary"], "reassess_risks")  # staff preference still scored 2: a contradiction
    complete(services, people["mary"], "revise_policy")
    justify = task_of(services, people["mary"], "justify_warning_signs")
    found = [sign.sign for sign in services.queries.task_page(people["mary"], justify["id"]).context.warning_signs]
    assert sorted(found) == sorted(SIGNS), found

    context = new_context(base_url=live_server.url, bypass_csp=True)  # axe is injected inline
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.set_viewport_size(DESKTOP)
    open_task(page, ui, "mary", "Justify the warning signs", JUSTIFIED)
    expect(page.get_by_role("region", name="Warning signs")).to_contain_text(SIGNS["most_staff_unwilling"][1])
    form = page.locator("form#decision")

    def asked(sign: str):
        return form.get_by_role("textbox", name=re.compile(rf"^{re.escape(SIGNS[sign][0])}"))

    expect(form.get_by_role("textbox", name=re.compile(r": why go ahead"))).to_have_count(len(SIGNS))
    for sign in SIGNS:  # one labelled text box for each sign found...
        expect(asked(sign)).to_be_visible()
        assert asked(sign).evaluate("el => el.tagName") == "TEXTAREA"
    expect(form.get_by_role("textbox", name=re.compile("^The employer is not aware"))).to_have_count(0)  # ...only

    left_empty = "most_staff_unwilling"
    for sign, (_, _, justification) in SIGNS.items():
        if sign != left_empty:
            asked(sign).fill(justification)
    page.get_by_role("button", name="Submit", exact=True).click()
    summary = page.get_by_role("alert")
    refusal = f"Justify this warning sign: {SIGNS[left_empty][1]}"
    expect(summary).to_contain_text("1 problem to put right")
    expect(summary).to_contain_text(refusal)
    expect(asked(left_empty)).to_have_attribute("aria-invalid", "true")
    beside = page.locator(f"#field-justify_{left_empty}").locator(".field-error")  # in the field's own block
    expect(beside).to_be_visible()
    expect(beside).to_contain_text(refusal)
    expect(asked(left_empty)).to_have_accessible_description(re.compile(re.escape(refusal)))  # read out with it
    for sign, (_, _, justification) in SIGNS.items():  # what was written is kept
        if sign != left_empty:
            expect(asked(sign)).to_have_value(justification)
    assert_no_serious_violations(page)
    summary.get_by_role("link", name=refusal).click()  # the summary leads to the field
    expect(asked(left_empty)).to_be_in_viewport()
    asked(left_empty).fill(SIGNS[left_empty][2])
    page.get_by_role("button", name="Submit", exact=True).click()
    page.wait_for_url(re.compile(r"/policies/\d+(#[\w-]*)?$"))  # the browser keeps the link's #fragment
    expect(page.get_by_role("status").filter(has_text="“Justify the warning signs” is done")).to_be_visible()
    ui.sign_out(page, "mary")

    complete(services, people["gil"], "information_governance")
    open_task(page, ui, "emma", "Employer sign-off", JUSTIFIED)
    shown = page.get_by_role("region", name="Warning signs").get_by_role("listitem")
    expect(shown).to_have_count(len(SIGNS))
    for _, text, justification in SIGNS.values():  # each sign with its own justification, and only that
        sign = shown.filter(has_text=text)
        expect(sign).to_have_count(1)
        expect(sign.locator(".justification")).to_have_text(f"The manager's justification: {justification}")
    assert_no_serious_violations(page)


def horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (a phone user would pan sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("reach", [inbox_returned, signoff], ids=["inbox", "signoff"])
def test_on_a_phone_nothing_is_wider_than_the_screen(page, ui, site, reach):
    """My tasks was a five-column table 580 px wide (the due date and waiting time off screen), and a web
    address in what changed pushed the sign-off page sideways."""
    page.set_viewport_size(PHONE)
    reach(page, ui, site)
    assert horizontal_overflow(page) == 0


def test_at_1366_the_residual_scores_and_owners_are_in_view_without_scrolling_the_table(page, ui, site):
    """The risk table's headers did not wrap, so beside the form its residual column and owners
    were cut off: the rating that counts needed a sideways scroll to read."""
    page.set_viewport_size({"width": 1366, "height": 768})
    signoff(page, ui, site)
    wrap = page.get_by_role("group", name=re.compile("^Each risk"))
    assert page.evaluate("e => e.scrollWidth - e.clientWidth", wrap.element_handle()) == 0


def test_short_evidence_sits_under_its_summary_not_below_the_height_of_the_form(page, ui, site):
    """Beside a long form, a short piece of evidence (the equality lead's: the draft) followed the form's
    height: the grid stretched the summary's row, leaving a blank gap of about 250 px above it."""
    page.set_viewport_size({"width": 1366, "height": 768})
    open_task(page, ui, "eve", "Assess the equality impact", CONSULTING)
    summary = page.locator(".evidence-summary").bounding_box()
    evidence = page.locator(".evidence-all").bounding_box()
    assert evidence["y"] - (summary["y"] + summary["height"]) < 40
    # the draft is what the equality lead assesses: it is open, not behind a click
    expect(page.locator("#evidence-draft")).to_have_attribute("open", "")
