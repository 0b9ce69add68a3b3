"""axe-core on every page added around the steps (issue 8), reached in Chromium as people reach
them: no serious or critical violations. Each page is also kept as a screenshot in the test's
folder, to look at."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.e2e.test_accessibility import assert_no_serious_violations
from tests.lifecycle import complete, to_published, to_signoff

pytestmark = pytest.mark.e2e

PUBLISHED, CONSULTING, SIGNING = "Recording during ultrasound", "Recording during obstetric scans", "Recording in CT"
INCIDENT = {"occurred_on": "2026-01-05", "description": "A relative filmed the screen after being asked to stop.",
            "action_taken": "Scan paused; the lead spoke to the family."}


@pytest.fixture(scope="module")
def site(module_live_server):
    services, people = module_live_server.services, module_live_server.people
    services.accounts.add_user("root", PASSWORD, ["admin"])
    # In this order, so the helpers (which take a person's first task of a step) find the right one.
    published = to_published(services, people, title=PUBLISHED)
    suspended = to_published(services, people, title="Recording in the fluoroscopy suite")
    services.lifecycle.suspend(people["mary"], suspended, "Notices are being replaced.")
    to_signoff(services, people, title=SIGNING)
    consulting = services.commands.start(people["mary"], CONSULTING, "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    services.incidents.report(people["sam"], published, INCIDENT)
    services.invitations.invite("root", "nina", "nina@hospital.example", ["insurer"])  # invited, not yet accepted
    module_live_server.ids = {"published": published, "consulting": consulting, "suspended": suspended}
    return module_live_server


@pytest.fixture
def page(new_context, site) -> Page:
    context = new_context(base_url=site.url, bypass_csp=True)  # axe is injected inline (see test_accessibility)
    context.set_default_timeout(10_000)
    return context.new_page()


def signed_in(page: Page, ui, name: str) -> None:
    page.goto("/published")
    ui.sign_in(page, name)


def policy_page(page, ui, site, name, key):
    signed_in(page, ui, name)
    page.goto(f"/policies/{site.ids[key]}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def manager_consulting(page, ui, site):
    policy_page(page, ui, site, "mary", "consulting")
    expect(page.get_by_text(re.compile(r"Not answered yet: alex, kim, sam"))).to_be_visible()


def manager_published(page, ui, site):
    policy_page(page, ui, site, "mary", "published")
    expect(page.get_by_role("link", name="Who has acknowledged the policy")).to_be_visible()


def staff_published(page, ui, site):
    policy_page(page, ui, site, "sam", "published")
    expect(page.get_by_role("link", name="Report a recording made without permission")).to_be_visible()


def manager_suspended(page, ui, site):
    policy_page(page, ui, site, "mary", "suspended")
    expect(page.get_by_role("note")).to_contain_text("Notices are being replaced.")


def assign_form(page, ui, site):
    manager_consulting(page, ui, site)
    page.get_by_role("link", name=re.compile(r"^Give to someone else.*kim")).click()
    expect(page.get_by_label("Who should do it")).to_be_visible()


def suspend_form_with_error(page, ui, site):
    manager_published(page, ui, site)
    page.get_by_role("link", name="Suspend the policy").click()
    page.get_by_role("button", name="Suspend the policy").click()
    expect(page.get_by_role("alert")).to_contain_text("Give a reason")


def withdraw_form(page, ui, site):
    manager_published(page, ui, site)
    page.get_by_role("link", name="Withdraw the policy").click()
    expect(page.get_by_label(re.compile(r"^Reason"))).to_be_visible()


def acknowledgements(page, ui, site):
    manager_published(page, ui, site)
    page.get_by_role("link", name="Who has acknowledged the policy").click()
    expect(page.get_by_role("heading", level=1, name="Who has acknowledged the policy")).to_be_visible()


def incident_form_with_errors(page, ui, site):
    staff_published(page, ui, site)
    page.get_by_role("link", name="Report a recording made without permission").click()
    expect(page.get_by_text("Do not identify the patient.")).to_be_visible()
    page.get_by_role("button", name="Report the incident").click()
    expect(page.get_by_role("alert")).to_contain_text("When it happened is required.")


def incidents(page, ui, site):
    manager_published(page, ui, site)
    page.get_by_role("link", name="Incidents reported on this policy").click()
    expect(page.get_by_text(INCIDENT["description"])).to_be_visible()


def incident_review_task(page, ui, site):
    signed_in(page, ui, "mary")
    page.get_by_role("link", name="Review the incident").first.click()
    expect(page.get_by_role("heading", level=1, name="Review the incident")).to_be_visible()
    expect(page.locator("details").filter(has_text="Incidents since the last publication")).to_be_visible()


def shared_task_with_claim(page, ui, site):
    signed_in(page, ui, "emma")
    page.get_by_role("link", name="Employer sign-off").first.click()
    expect(page.get_by_role("button", name="Claim this task")).to_be_visible()


def inbox_with_due_dates(page, ui, site):
    signed_in(page, ui, "sam")
    expect(page.get_by_role("columnheader", name="Due")).to_be_visible()


def dashboard(page, ui, site):
    signed_in(page, ui, "mary")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=2, name="Policies by status")).to_be_visible()


def settings(page, ui, site):
    signed_in(page, ui, "sam")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("group", name="How often should policyflow e-mail you?")).to_be_visible()


def published_list_marked(page, ui, site):
    page.goto("/published")
    expect(page.get_by_role("cell", name="suspended", exact=True)).to_be_visible()


def published_suspended(page, ui, site):
    page.goto(f"/published/{site.ids['suspended']}")
    expect(page.get_by_role("note")).to_contain_text("has been suspended since")


def admin_page(path: str, heading: str):
    def reach(page, ui, site):
        signed_in(page, ui, "root")
        page.goto(path)
        expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
    return reach


PAGES = {
    "policy-manager-consulting": manager_consulting, "policy-manager-published": manager_published,
    "policy-staff-published": staff_published, "policy-manager-suspended": manager_suspended,
    "assign-task": assign_form, "suspend-with-error": suspend_form_with_error, "withdraw": withdraw_form,
    "acknowledgements": acknowledgements, "incident-form-with-errors": incident_form_with_errors,
    "incidents": incidents, "incident-review-task": incident_review_task, "claim-shared-task": shared_task_with_claim,
    "inbox-due-dates": inbox_with_due_dates, "dashboard": dashboard, "settings": settings,
    "published-list-marked": published_list_marked, "published-suspended": published_suspended,
    "admin": admin_page("/admin/", "Administration"), "admin-people": admin_page("/admin/users", "People"),
    "admin-person": admin_page("/admin/users/sam", "sam"), "admin-invited-person": admin_page("/admin/users/nina", "nina"),
    "admin-new-person": admin_page("/admin/users/new", "Invite a person"),
    "admin-deactivate": admin_page("/admin/users/alex/deactivate", "Deactivate alex"),
    "admin-departments": admin_page("/admin/departments", "Departments"),
    "admin-rename-department": admin_page("/admin/departments/rename?department=Ultrasound", "Rename “Ultrasound”"),
    "admin-outbox": admin_page("/admin/outbox", "Mail outbox"),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_new_page_has_no_serious_accessibility_violations(page, ui, site, name, tmp_path):
    PAGES[name](page, ui, site)
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
    assert_no_serious_violations(page)
