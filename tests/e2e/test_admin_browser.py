"""Administration in a real Chromium, by the /admin pages alone: invite a person, give them an API
token (shown once) and revoke it, rename a department, and deactivate someone whose task is
handed to a colleague. Screenshots of each page land in the test's folder for a look."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.lifecycle import complete

pytestmark = pytest.mark.e2e


@pytest.fixture
def admin_site(live_server):
    live_server.services.accounts.add_user("root", PASSWORD, ["admin"])
    return live_server


def admin_nav(page):
    return page.get_by_role("navigation", name="Administration")


def test_an_admin_manages_people_tokens_and_departments(browser_page, admin_site, ui, tmp_path):
    page = browser_page
    page.goto("/published")
    ui.sign_in(page, "root")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", level=1, name="Administration")).to_be_visible()
    page.screenshot(path=str(tmp_path / "admin.png"), full_page=True)

    admin_nav(page).get_by_role("link", name="People and tokens").click()
    page.get_by_role("link", name="Invite a person").click()
    page.get_by_label("Username").fill("nina")
    page.get_by_role("checkbox", name="Staff", exact=True).check()
    page.get_by_label("Department").select_option("Ultrasound")
    page.get_by_label("E-mail address").fill("nina@hospital.example")
    page.screenshot(path=str(tmp_path / "admin-new-person.png"), full_page=True)
    page.get_by_role("button", name="Invite the person").click()
    expect(page.get_by_role("status").filter(has_text="nina is invited")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name="nina")).to_be_visible()
    admin_nav(page).get_by_role("link", name="People and tokens").click()
    nina = page.get_by_role("row").filter(has=page.get_by_role("link", name="nina", exact=True))
    expect(nina.get_by_role("cell").last).to_contain_text(re.compile(
        r"Invited, not yet accepted: invited .+ UTC; the link expires .+ UTC"))
    page.screenshot(path=str(tmp_path / "admin-people-invited.png"), full_page=True)
    nina.get_by_role("link", name="nina", exact=True).click()

    page.get_by_label("Days until the new token expires").fill("30")
    page.get_by_role("button", name="Create an API token").click()
    expect(page.get_by_text("Copy the token now: it is not shown again.")).to_be_visible()
    token = page.get_by_label(re.compile(r"^API token \d+$")).input_value()
    assert len(token) > 30
    page.screenshot(path=str(tmp_path / "admin-token.png"), full_page=True)
    page.get_by_role("link", name="Back to nina").click()
    tokens = page.get_by_role("table").filter(has=page.get_by_role("columnheader", name="Expires"))
    expect(tokens.get_by_role("cell", name="Active")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Revoke token \d+$")).click()
    expect(page.get_by_role("status").filter(has_text="is revoked; it stopped working at once.")).to_be_visible()
    expect(tokens.get_by_role("cell", name="Revoked")).to_be_visible()

    admin_nav(page).get_by_role("link", name="Departments").click()
    page.get_by_role("link", name="Rename Ultrasound").click()
    page.get_by_label("New name").fill("Imaging – Ultrasound")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_role("status").filter(has_text="is now called “Imaging – Ultrasound”")).to_be_visible()
    page.screenshot(path=str(tmp_path / "admin-departments.png"), full_page=True)


def test_an_admin_deactivates_someone_and_their_task_goes_to_a_colleague(browser_page, admin_site, ui, tmp_path):
    services, people = admin_site.services, admin_site.people
    services.commands.start(people["mary"], "Recording during scans", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    page = browser_page
    page.goto("/published")
    ui.sign_in(page, "root")
    page.goto("/admin/users")
    page.get_by_role("link", name="kim", exact=True).click()
    expect(page.get_by_role("region", name="Open tasks")).to_contain_text("“Give your view as staff”")
    page.get_by_role("link", name="Deactivate kim").click()
    page.get_by_label("Give their own tasks to").select_option("alex")
    page.screenshot(path=str(tmp_path / "admin-deactivate.png"), full_page=True)
    page.get_by_role("button", name="Deactivate kim").click()
    expect(page.get_by_role("status").filter(has_text="kim is deactivated; 1 task(s) given to alex.")).to_be_visible()
    expect(page.get_by_text("Deactivated: cannot sign in or use API tokens")).to_be_visible()
    assert len([t for t in services.queries.inbox(people["alex"]) if t["name"] == "staff_consultation"]) == 2

    page.goto("/admin/outbox")
    expect(page.get_by_role("heading", level=2, name=re.compile(r"^Needing attention"))).to_be_visible()
    page.screenshot(path=str(tmp_path / "admin-outbox.png"), full_page=True)


def test_a_step_inside_a_subprocess_marks_the_subprocess_on_the_main_diagram(browser_page, live_server, ui):
    services, people = live_server.services, live_server.people
    policy_id = services.commands.start(people["mary"], "Recording during scans", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    page = browser_page
    page.goto("/published")
    ui.sign_in(page, "mary")
    page.goto(f"/policies/{policy_id}")
    diagram = ui.wait_for_diagram(page)
    expect(diagram.locator('g.djs-element[data-element-id="staff_consultations"]')).to_have_class(
        re.compile(r"\bpf-current\b"))
