"""axe-core on the pages people use, reached in Chromium the way they reach them, and the
keyboard path through a task form.

The policies are set up through the services (tests.lifecycle); the pages are only read.
No ``exclude`` is passed to axe: bpmn-js' drawing currently yields no violations (only
"incomplete" colour-contrast checks on SVG text, which axe cannot decide and does not fail).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.lifecycle import complete, consult, to_published, to_signoff
from webapp.demo.data import DEMO_PASSWORD, add_demo_data
from webapp.demo.policies import PUBLISHED_TITLE as HISTORY_TITLE

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PUBLISHED_TITLE = "Recording during ultrasound"
DRAFT_TITLE = "Recording during obstetric scans"
RISKS_TITLE = "Recording during fetal echocardiography"
#: Policies waiting for each new role's task (issue 13), and the manager's reassessment.
EQUALITY_TITLE = "Recording during breast ultrasound"
REASSESS_TITLE = "Recording during vascular ultrasound"
GOVERNANCE_TITLE = "Recording during musculoskeletal ultrasound"
RATIFY_TITLE = "Recording during paediatric ultrasound"
BLOCKING = ("serious", "critical")

_RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(n => n.target.join(' ')),
  }));
}"""


def axe_violations(page: Page) -> list[dict]:
    """Every axe violation on the page as it is now (axe-core injected from node_modules)."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(_RUN_AXE)


def assert_no_serious_violations(page: Page) -> None:
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    assert not blocking, f"axe on {page.url}:\n" + "\n".join(
        f"  {v['impact']} {v['id']} ({v['help']}): {json.dumps(v['targets'])}" for v in blocking)


@pytest.fixture(scope="module")
def site(module_live_server):
    """One published policy; one waiting for its draft, one for its risk assessment, one for each new
    step of issue 13 (equality impact, reassessment, information governance, ratification); plus the
    demo data (a policy with a version history, and one at the employer's sign-off with warning signs)."""
    services, people = module_live_server.services, module_live_server.people
    to_published(services, people, title=PUBLISHED_TITLE)
    # One at a time, so the helpers (which take a person's first task of a step) find the right one:
    # at the committee's ratification, information governance, the reassessment, the equality impact.
    to_signoff(services, people, title=RATIFY_TITLE)
    complete(services, people["emma"], "employer_signoff")
    complete(services, people["ian"], "insurer_signoff")
    for title in (GOVERNANCE_TITLE, REASSESS_TITLE, EQUALITY_TITLE):
        services.commands.start(people["mary"], title, "Ultrasound")
        complete(services, people["mary"], "draft_policy")
        complete(services, people["mary"], "assess_risks")
        if title != EQUALITY_TITLE:
            consult(services, people)
        if title == GOVERNANCE_TITLE:
            complete(services, people["mary"], "reassess_risks")
            complete(services, people["mary"], "revise_policy")
    services.commands.start(people["mary"], RISKS_TITLE, "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    services.commands.start(people["mary"], DRAFT_TITLE, "Ultrasound")
    add_demo_data(services)
    return module_live_server


@pytest.fixture
def page(new_context, site) -> Page:
    # axe is injected as an inline script, which the app's Content-Security-Policy
    # rightly refuses; the audit tool, not the app, is let past it.
    context = new_context(base_url=site.url, bypass_csp=True)
    context.set_default_timeout(10_000)
    return context.new_page()


def _inbox_row(page: Page, title: str):
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=title, exact=True))


def open_draft_task(page: Page, ui) -> None:
    page.goto("/published")
    ui.sign_in(page, "mary")
    _inbox_row(page, DRAFT_TITLE).get_by_role("link", name="Draft the policy").click()
    page.wait_for_url(re.compile(r"/tasks/[^/]+$"))
    expect(page.get_by_role("heading", level=1, name="Draft the policy")).to_be_visible()


# --- how to reach each page ----------------------------------------------------------------

def login_page(page: Page, ui) -> None:
    page.goto("/login")
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()


def inbox(page: Page, ui) -> None:
    page.goto("/published")
    ui.sign_in(page, "mary")
    expect(_inbox_row(page, DRAFT_TITLE)).to_be_visible()


def draft_task(page: Page, ui) -> None:
    open_draft_task(page, ui)


def draft_task_with_errors(page: Page, ui) -> None:
    open_draft_task(page, ui)
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Please check what you entered")


def policy_in_progress(page: Page, ui) -> None:
    page.goto("/published")
    ui.sign_in(page, "mary")
    _inbox_row(page, DRAFT_TITLE).get_by_role("link", name=DRAFT_TITLE, exact=True).click()
    page.wait_for_url(re.compile(r"/policies/\d+$"))
    diagram = ui.wait_for_diagram(page)
    expect(diagram.locator('g.djs-element[data-element-id="draft_policy"]')).to_have_class(re.compile(r"\bpf-current\b"))


def policy_published(page: Page, ui) -> None:
    page.goto("/published")
    ui.sign_in(page, "mary")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Policies", exact=True).click()
    page.get_by_role("link", name=PUBLISHED_TITLE, exact=True).click()
    page.wait_for_url(re.compile(r"/policies/\d+$"))
    ui.wait_for_diagram(page)
    expect(page.get_by_role("link", name="Read the published policy")).to_be_visible()


def published_list(page: Page, ui) -> None:
    page.goto("/published")
    expect(page.get_by_role("link", name=PUBLISHED_TITLE, exact=True)).to_be_visible()


def published_policy(page: Page, ui) -> None:
    published_list(page, ui)
    page.get_by_role("link", name=PUBLISHED_TITLE, exact=True).click()
    page.wait_for_url(re.compile(r"/published/\d+$"))
    expect(page.get_by_role("heading", level=1, name=PUBLISHED_TITLE)).to_be_visible()


def risk_matrix(page: Page, ui) -> None:
    page.goto("/published")
    ui.sign_in(page, "mary")
    _inbox_row(page, RISKS_TITLE).get_by_role("link", name="Assess the risks").click()
    page.wait_for_url(re.compile(r"/tasks/[^/]+$"))
    risk = page.get_by_role("group", name="Medico-legal complications", exact=True)
    risk.get_by_role("group", name=re.compile("likelihood")).get_by_role("radio", name="4 – likely").check()
    risk.get_by_role("group", name=re.compile("impact")).get_by_role("radio", name="3 – moderate").check()
    # 4 x 3 = 12: the NPSA matrix's 8-12 band.
    expect(page.locator(".risk-summary")).to_contain_text("Provisional rating: High")


def new_role_task(username: str, title: str, task: str, evidence: str, text):
    """A task of the lifecycle's new steps (issue 13), opened from its person's inbox, with
    ``text`` in the ``evidence`` beside its form (a region, or the draft's details)."""
    def reach(page: Page, ui) -> None:
        page.goto("/published")
        ui.sign_in(page, username)
        _inbox_row(page, title).get_by_role("link", name=task, exact=True).click()
        page.wait_for_url(re.compile(r"/tasks/[^/]+$"))
        expect(page.get_by_role("heading", level=1, name=task)).to_be_visible()
        shown = (page.locator("details").filter(has_text=evidence) if evidence == "The current draft policy"
                 else page.get_by_role("region", name=evidence))
        expect(shown).to_contain_text(text)
    return reach


def signoff_with_evidence(page: Page, ui) -> None:
    """The employer's sign-off of the demo policy: warning signs, risk table, consultation, draft."""
    page.goto("/published")
    ui.sign_in(page, "employer", DEMO_PASSWORD)
    page.get_by_role("link", name="Employer sign-off").first.click()
    page.wait_for_url(re.compile(r"/tasks/[^/]+$"))
    expect(page.get_by_role("region", name="Warning signs")).to_be_visible()
    expect(page.get_by_role("region", name="Risk assessment")).to_contain_text("How the ratings were worked out")


def saved_answers(page: Page, ui) -> None:
    open_draft_task(page, ui)
    page.get_by_label(re.compile(r"^Purpose of the policy")).fill("Started, to finish later.")
    page.get_by_role("button", name="Save and continue later").click()
    expect(page.get_by_role("status").filter(has_text="Your answers are saved.")).to_be_visible()


def published_with_history(page: Page, ui) -> None:
    page.goto("/published")
    page.get_by_role("link", name=HISTORY_TITLE, exact=True).click()
    expect(page.get_by_role("region", name="Document control")).to_contain_text("Superseded from")


def superseded_version(page: Page, ui) -> None:
    published_with_history(page, ui)
    page.get_by_role("link", name="Version 1").click()
    expect(page.get_by_role("note")).to_contain_text("This version is superseded.")


def published_on_a_phone(page: Page, ui) -> None:
    page.set_viewport_size({"width": 375, "height": 812})
    published_with_history(page, ui)


def studio(page: Page, ui) -> None:
    page.goto("/published")
    ui.sign_in(page, "designer", DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Studio").click()
    expect(page.get_by_role("heading", level=1, name="Studio")).to_be_visible()


def studio_draft(page: Page, ui) -> None:
    """A draft in the modeler with its properties panel, after a check (the routes of the dry run)."""
    studio(page, ui)
    page.get_by_role("button", name=re.compile(r"^New version from this one")).first.click()
    expect(page.locator("[data-studio=modeler]")).to_have_attribute("data-studio-ready", "true", timeout=20_000)
    page.evaluate("""() => { const m = window.policyflowStudio.modeler;
        m.get('selection').select(m.get('elementRegistry').filter((e) => e.type === 'bpmn:UserTask')[0]); }""")
    page.locator("[data-properties]").get_by_text("policyflow", exact=True).click()
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.locator("[data-check-summary]")).to_contain_text("No problems", timeout=30_000)


def studio_check_without_script(page: Page, ui) -> None:
    studio_draft(page, ui)
    page.evaluate("document.querySelector('[data-check-form]').submit()")
    expect(page.get_by_role("heading", level=3, name="Routes of the dry run")).to_be_visible(timeout=30_000)


def studio_form_editor(page: Page, ui) -> None:
    studio_draft(page, ui)
    page.get_by_role("link", name="forms/employer_signoff.schema.json").click()
    expect(page.get_by_role("heading", level=2, name="Preview: what the person will see")).to_be_visible()


def studio_version(page: Page, ui) -> None:
    studio(page, ui)
    page.get_by_role("link", name="Version 1").first.click()
    expect(page.locator("[data-studio=viewer]")).to_have_attribute("data-studio-ready", "true", timeout=20_000)


def studio_compare(page: Page, ui) -> None:
    studio(page, ui)
    page.goto("/designer/processes/policy_lifecycle/compare?from=1&to=1")
    expect(page.locator("[data-studio=diff]")).to_have_attribute("data-studio-ready", "true", timeout=20_000)


def studio_policies(page: Page, ui) -> None:
    studio(page, ui)
    page.get_by_role("link", name="Policies running on this process, by version").click()
    expect(page.get_by_role("heading", level=1, name="Move running policies to another version")).to_be_visible()


def studio_import(page: Page, ui) -> None:
    studio(page, ui)
    page.get_by_role("link", name="Import a diagram from another modeler").click()
    expect(page.get_by_role("heading", level=1, name="Import a diagram")).to_be_visible()


@pytest.mark.parametrize("reach", [
    pytest.param(studio, id="studio"),
    pytest.param(studio_draft, id="studio-draft-modeler"),
    pytest.param(studio_check_without_script, id="studio-draft-check"),
    pytest.param(studio_form_editor, id="studio-form-editor"),
    pytest.param(studio_version, id="studio-version"),
    pytest.param(studio_compare, id="studio-compare"),
    pytest.param(studio_policies, id="studio-policies"),
    pytest.param(studio_import, id="studio-import"),
    pytest.param(login_page, id="login"),
    pytest.param(inbox, id="inbox"),
    pytest.param(draft_task, id="task-draft-form"),
    pytest.param(draft_task_with_errors, id="task-draft-form-with-errors"),
    pytest.param(policy_in_progress, id="policy-in-progress"),
    pytest.param(policy_published, id="policy-published"),
    pytest.param(published_list, id="published-list"),
    pytest.param(published_policy, id="published-policy"),
    pytest.param(risk_matrix, id="task-risk-matrix"),
    pytest.param(signoff_with_evidence, id="task-signoff-with-evidence"),
    pytest.param(new_role_task("eve", EQUALITY_TITLE, "Assess the equality impact",
                               "The current draft policy", "Ask the sonographer"), id="task-equality-impact"),
    pytest.param(new_role_task("mary", REASSESS_TITLE, "Reassess the risks",
                               "Consultation", "3 staff responses"), id="task-reassess-risks"),
    pytest.param(new_role_task("gil", GOVERNANCE_TITLE, "Information governance review",
                               "Risk assessment", "How the ratings were worked out"), id="task-information-governance"),
    pytest.param(new_role_task("cora", RATIFY_TITLE, "Ratify the policy",
                               "Sign-off decisions so far", re.compile(r"\bian\b")), id="task-ratification"),
    pytest.param(saved_answers, id="task-saved-answers"),
    pytest.param(published_with_history, id="published-with-history"),
    pytest.param(superseded_version, id="published-superseded-version"),
    pytest.param(published_on_a_phone, id="published-on-a-phone"),
])
def test_page_has_no_serious_accessibility_violations(page, ui, reach):
    reach(page, ui)
    assert_no_serious_violations(page)


def test_axe_catches_a_planted_violation(page, ui):
    """The harness itself works: an unlabelled field added to the login page is reported."""
    login_page(page, ui)
    page.locator("form").evaluate("form => form.insertAdjacentHTML('beforeend', '<input id=\"planted\">')")
    found = {(v["id"], v["impact"]) for v in axe_violations(page) if "#planted" in v["targets"]}
    assert ("label", "critical") in found


def test_keyboard_reaches_the_task_form(page, ui):
    """Tab: the skip link comes first, then the form's first control, and later Submit."""
    open_draft_task(page, ui)
    first_control = page.get_by_role("radio", name="Not permitted", exact=True)
    submit = page.get_by_role("button", name="Submit", exact=True)
    skip = page.get_by_role("link", name="Skip to main content")

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # it slides into view when focused

    for _ in range(30):
        page.keyboard.press("Tab")
        if first_control.evaluate("el => el === document.activeElement"):
            break
    expect(first_control).to_be_focused()

    for _ in range(60):
        page.keyboard.press("Tab")
        if submit.evaluate("el => el === document.activeElement"):
            break
    expect(submit).to_be_focused()

    # Following the skip link puts focus on the main content.
    page.reload()
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
