"""The demo data the README's run command adds: people for every role, one published policy with a
history and one in progress, so a newcomer finds every page filled in."""
from __future__ import annotations

import re

from sqlalchemy import select

from tests.answers import answers_for
from tests.html import visible_text
from tests.web import login
from webapp.demo.data import DEMO_DEPARTMENT, DEMO_PASSWORD, DEMO_PEOPLE, add_demo_data
from webapp.demo.policies import IN_PROGRESS_TITLE, PUBLISHED_TITLE
from workflows.engine.specs import load_bundle, read_bundle_directory
from workflows.notifications import outbox
from workflows.storage.schema import User
from workflows.wiring import BPMN_DIR


def test_every_demo_account_signs_in_with_the_printed_password(services):
    lines = add_demo_data(services)
    for username, roles, _department in DEMO_PEOPLE:
        assert any(line.split()[:2] == [username, DEMO_PASSWORD] for line in lines), username
        assert services.accounts.authenticate(username, DEMO_PASSWORD).roles == frozenset(roles)


def test_demo_accounts_carry_a_policy_to_its_public_page(services):
    add_demo_data(services)
    who = {name: services.accounts.authenticate(name, DEMO_PASSWORD) for name, _r, _d in DEMO_PEOPLE}
    policy_id = services.commands.start(who["manager"], "Recording during ultrasound", DEMO_DEPARTMENT)

    def complete(person: str, element: str) -> None:
        [task] = [t for t in services.queries.inbox(who[person]) if t["policy_id"] == policy_id and t["name"] == element]
        changes = {"effective_date": services.clock().date().isoformat()} if element == "publish_policy" else {}
        services.commands.complete(who[person], task["id"], answers_for(task["form"], **changes))

    for person, element in [("manager", "draft_policy"), ("manager", "assess_risks"),
                            ("sonographer1", "staff_consultation"), ("sonographer2", "staff_consultation"),
                            ("radiographer1", "staff_consultation"), ("liaison", "patient_consultation"),
                            ("manager", "revise_policy"), ("employer", "employer_signoff"),
                            ("insurer", "insurer_signoff"), ("manager", "publish_policy")]:
        complete(person, element)
    assert services.queries.policy(who["manager"], policy_id)["status"] == "published"


def test_the_public_finds_a_published_policy_with_its_history(services, client):
    add_demo_data(services)
    listing = client.get("/published").get_data(as_text=True)
    [link] = re.findall(rf'<a href="(/published/\d+)">{PUBLISHED_TITLE}</a>', listing)
    page = visible_text(client.get(link).get_data(as_text=True))
    assert "Version history" in page and "Superseded from" in page and "Current" in page
    assert "Reviewed by the manager" in page and "No new sign-off for this version" in page
    assert "Signed off for version 1 by" in page
    first = visible_text(client.get(f"{link}/v1").get_data(as_text=True))
    assert "This version is superseded." in first and "Employer (risk management)" in first
    pdf = client.get(f"{link}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert IN_PROGRESS_TITLE not in listing, "a policy still being signed off is not public"


def test_the_in_progress_policy_waits_for_the_employer_with_its_warning_signs(services, app):
    add_demo_data(services)
    employer = app.test_client()
    login(employer, "employer", DEMO_PASSWORD)
    inbox = employer.get("/inbox").get_data(as_text=True)
    [task_url] = re.findall(r'<a href="(/tasks/[^"]+)">Employer sign-off</a>', inbox)
    page = visible_text(employer.get(task_url).get_data(as_text=True))
    assert IN_PROGRESS_TITLE in page
    assert "Warning signs" in page and "The patient liaison group opposes the policy." in page
    assert "The manager's justification" in page and "Only the screen may be photographed" in page
    assert "Overall risk rating: High" in page


def test_adding_the_demo_data_twice_changes_nothing(services):
    add_demo_data(services)
    manager = services.accounts.authenticate("manager", DEMO_PASSWORD)
    before = [(p["id"], p["updated_at"]) for p in services.queries.policies(manager)]
    again = add_demo_data(services)
    assert sum("already exists" in line for line in again) == len(DEMO_PEOPLE)
    assert not any(line.startswith("Demo policy") for line in again)
    assert [(p["id"], p["updated_at"]) for p in services.queries.policies(manager)] == before


def test_a_diagram_the_demo_does_not_fit_is_reported_not_crashed_on(services):
    """With a designer's diagram that never asks for a justification, the demo says what it could not add."""
    diagrams, forms = read_bundle_directory(BPMN_DIR)
    name = "policy_lifecycle.bpmn"
    diagrams[name] = diagrams[name].replace(b"len(warning_signs) &gt; 0", b"False")
    services.processes.deploy(load_bundle(diagrams, forms), "designer")
    lines = add_demo_data(services)
    assert f"Demo policy “{PUBLISHED_TITLE}”: published (version 2, after a review)" in lines
    assert any(line.startswith(f"Demo policy “{IN_PROGRESS_TITLE}” stopped part-way: the demo expected manager to have a "
                               "“justify_warning_signs.schema.json” task") for line in lines), lines


def test_demo_mail_waits_for_a_mail_server_and_needs_no_attention(services, client):
    """Demo accounts have example.org addresses: with no mail server configured their mail waits,
    said so, and the admin's "needing attention" list stays for real failures."""
    add_demo_data(services)
    with services.database.reading() as session:
        addresses = dict(session.execute(select(User.username, User.email)).all())
        counts = outbox.counts(session)
    assert addresses == {username: f"{username}@example.org" for username, _roles, _dept in DEMO_PEOPLE}
    assert counts.get("pending", 0) > 0 and "failed" not in counts
    login(client, "admin", DEMO_PASSWORD)
    page = visible_text(client.get("/admin/outbox").get_data(as_text=True))
    assert "Needing attention (0)" in page
    assert "No mail server configured" in page
