"""The demo data the README's run command adds: people for every role, one published policy with a
history (ratified after equality and information governance reviews, reviewed without change as
version 1.1, three incidents) and one in progress, so a newcomer finds every page filled in."""
from __future__ import annotations

import calendar
import html
import re
from datetime import date

from sqlalchemy import select

from tests.answers import answers_for
from tests.html import visible_text
from tests.lifecycle import published_version
from tests.web import login
from webapp.demo.data import DEMO_DEPARTMENT, DEMO_PASSWORD, DEMO_PEOPLE, add_demo_data
from webapp.demo.policies import COMING_TITLE, IN_PROGRESS_TITLE, PUBLISHED_TITLE, SUSPENDED_TITLE
from workflows.engine.specs import load_bundle, read_bundle_directory
from workflows.notifications import outbox
from workflows.storage.schema import HumanTask, User
from workflows.wiring import BPMN_DIR


def months_later(day: date, months: int) -> date:
    """Calendar months later (or earlier), on the same day where the month has one (else its last day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


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
                            ("equality", "equality_impact"), ("manager", "reassess_risks"),
                            ("manager", "revise_policy"), ("governance", "information_governance"),
                            ("employer", "employer_signoff"), ("insurer", "insurer_signoff"),
                            ("committee", "ratification"), ("manager", "publish_policy")]:
        complete(person, element)
    assert services.queries.policy(who["manager"], policy_id)["status"] == "published"


def test_the_public_finds_a_published_policy_with_its_history(services, client):
    add_demo_data(services)
    listing = client.get("/published").get_data(as_text=True)
    [link] = re.findall(rf'<a href="(/published/\d+)">{PUBLISHED_TITLE}</a>', listing)
    page = visible_text(client.get(link).get_data(as_text=True))
    assert "Version history" in page and "Superseded from" in page and "Current" in page
    assert "Reviewed without change; no new sign-off." in page and "Signed off for version 1 by" in page
    assert "Version 1.1" in page and "Riverside Maternity Voices Partnership (patient group)" in page
    # Reviewed without change, confirmed by the committee; the equality and information governance reviews stand.
    assert re.search(r"Version 1\.1 — reviewed without change on \d\d \w{3} \d{4}, confirmed by Clinical Governance "
                     r"Committee on \d\d \w{3} \d{4}", page)
    assert re.search(r"Confirmed byClinical Governance Committee, \d\d \w{3} \d{4} \(minute CGC/131\)", page)
    assert re.search(r"Equality impact assessment\d\d \w{3} \d{4} Information governance review\d\d \w{3} \d{4}", page)
    first = visible_text(client.get(f"{link}/v1").get_data(as_text=True))
    assert "This version is superseded." in first and "Employer (risk management)" in first
    assert re.search(r"Ratified byClinical Governance Committee, \d\d \w{3} \d{4} \(minute CGC/114\), with minor "
                     r"amendments approved by the chair: Chair's action: 'PALS' spelled out in full", first), \
        "the amendments made by chair's action are published with the policy"
    pdf = client.get(f"{link}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert IN_PROGRESS_TITLE not in listing, "a policy still being signed off is not public"


def test_each_published_demo_policy_was_written_consulted_on_and_ratified_on_its_own(services, client):
    """A liaison representative reading the document control finds each policy's own author, patient
    group and minute, not the obstetric policy's copied into the others."""
    add_demo_data(services)
    listing = client.get("/published").get_data(as_text=True)
    links = {html.unescape(title): link for link, title in re.findall(r'<a href="(/published/\d+)">(.*?)</a>', listing)}
    seen = {}
    for title in (PUBLISHED_TITLE, SUSPENDED_TITLE, COMING_TITLE):
        link = links[title]
        page = visible_text(client.get(f"{link}/v1").get_data(as_text=True))
        minute = re.search(r"\(minute (CGC/\d+)\)", page).group(1)
        group = re.search(r"([\w ]+) \(patient group\)", page).group(1).strip()
        seen[title] = (minute, group)
        if title != PUBLISHED_TITLE:
            assert "Chair's action" not in page, title
    assert len({minute for minute, _group in seen.values()}) == 3, seen
    assert len({group for _minute, group in seen.values()}) == 3, seen


def test_the_in_progress_policy_waits_for_the_employer_with_its_warning_signs(services, app):
    add_demo_data(services)
    employer = app.test_client()
    login(employer, "employer", DEMO_PASSWORD)
    inbox = employer.get("/inbox").get_data(as_text=True)
    [task_url] = re.findall(r'<a href="(/tasks/[^"]+)">Employer sign-off</a>', inbox)
    page = visible_text(employer.get(task_url).get_data(as_text=True))
    assert IN_PROGRESS_TITLE in page
    # Each warning sign with the manager's justification of it.
    assert "Warning signs" in page and "Warning signs: 3, justified by the manager" in page
    for sign, justification in (
            ("The patient liaison group opposes the policy.", "The group's concern is other patients being "
                                                              "photographed"),
            ("The patient liaison group opposes the policy and nothing in it has changed since they were consulted.",
             "The draft the group saw already limited recording to the screen"),
            ("Most staff who answered (2 of 3) are not willing to be filmed.", "No one is ever photographed")):
        assert f"{sign} The manager's justification: {justification}" in page, sign
    # Staff preference re-scored after the consultation, with residual scores and both ratings.
    assert "Residual risk rating (after the mitigations): Moderate; initial rating (before them): Extreme" in page
    assert "Staff preferences 4 × 3 = 12" in page
    assert "The employer is not aware" not in page and "likelihood of 2 or less" not in page
    # The equality and information governance reviews are part of the evidence.
    assert "Assess the equality impact: Go ahead with the adjustments above" in page
    assert "Information governance review: Approve" in page


def test_the_published_policy_has_three_incidents_each_reviewed_and_a_review_that_opens_ahead(services):
    """Three incidents with what a governance lead acts on, each reviewed (the one that captured other
    patients by information governance too), too few to open an early review; the next review opens three
    months before the review date the published version shows."""
    add_demo_data(services)
    manager = services.accounts.authenticate("manager", DEMO_PASSWORD)
    [policy] = [p for p in services.queries.policies(manager) if p["title"] == PUBLISHED_TITLE]
    incidents = services.incidents.of_policy(manager, policy["id"])
    assert sorted((i.local_reference, i.category, i.other_patients_captured) for i in incidents) == [
        ("DATIX-24117", "filming_staff", False), ("DATIX-24390", "social_media", True),
        ("DATIX-24655", "audio", False)]
    assert all(i.harm for i in incidents)
    with services.database.reading() as session:
        done = session.execute(select(HumanTask.form, HumanTask.state, HumanTask.completed_by).where(
            HumanTask.policy_id == policy["id"], HumanTask.form.in_(
                ["incident_review.schema.json", "incident_governance.schema.json"]))).all()
    assert sorted(done) == [("incident_governance.schema.json", "completed", "governance")] + \
        [("incident_review.schema.json", "completed", "manager")] * 3
    # Its staff acknowledged version 1 long ago: nothing of theirs is overdue on it (1.1 asked no one again).
    for name in ("manager", "governance", "committee", "equality", "sonographer1", "sonographer2", "radiographer1"):
        mine = services.queries.inbox(services.accounts.authenticate(name, DEMO_PASSWORD))
        assert [t for t in mine if t["policy_id"] == policy["id"]] == [], name

    shown = services.queries.policy(manager, policy["id"])
    assert (shown["status"], shown["published_version"], shown["early_review_reason"]) == ("published", "1.1", None)
    assert (shown["risk_rating"], shown["risk_rating_initial"]) == ("moderate", "high")
    version, numbers = published_version(services, policy["id"])
    assert numbers == [1, 2] and version.content["version_label"] == "1.1"
    assert version.review_date == months_later(version.effective_date, 12), "the demo's 12-month interval"
    assert shown["next_review_at"].date() == months_later(version.review_date, -3), \
        "the review opens three months ahead of its date"


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
    assert any(line.startswith(f"Demo policy “{PUBLISHED_TITLE}”: published (version 1.1") for line in lines), lines
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


def test_the_demo_shows_every_patients_question_easy_read_welsh_a_suspension_and_a_policy_not_yet_in_force(
        services, client):
    add_demo_data(services)
    listing = client.get("/published").get_data(as_text=True)
    [link] = re.findall(rf'<a href="(/published/\d+)">{PUBLISHED_TITLE}</a>', listing)
    page = client.get(link).get_data(as_text=True)
    for heading in ("If you are having a pregnancy scan", "Intimate examinations", "If your child is having a scan",
                    "Other people in the room", "Your recording and your personal data"):
        assert f">{heading}</h2>" in page, heading
    assert f'href="{link}/easy-read"' in page and f'href="{link}/cy"' in page
    welsh = client.get(f"{link}/cy").get_data(as_text=True)
    assert 'lang="cy"' in welsh and "Cewch dynnu llun" in welsh
    rows = {html.unescape(title): status for title, status in re.findall(
        r'<a href="/published/\d+">([^<]+)</a>.*?<span class="status[^"]*">([^<]+)</span>', listing, re.S)}
    assert rows[SUSPENDED_TITLE] == "suspended" and rows[COMING_TITLE] == "comes into force"


def test_the_breast_imaging_demo_speaks_of_breast_imaging_not_of_a_baby_s_scan(services, client):
    """A patient reading the suspended breast imaging policy, or its easy read, is not told about
    pictures of a baby's scan or shown a parent at a scan screen (copied from the obstetric policy)."""
    add_demo_data(services)
    listing = client.get("/published").get_data(as_text=True)
    [link] = re.findall(rf'<a href="(/published/\d+)">{SUSPENDED_TITLE}</a>', listing)
    for url in (link, f"{link}/easy-read"):
        text = visible_text(client.get(url).get_data(as_text=True))
        assert "baby" not in text and "parent" not in text, url
    assert "breast" in visible_text(client.get(f"{link}/easy-read").get_data(as_text=True))
