"""What the inbox, policy and published pages tell a reader about where a policy stands.

The policies are moved along at the service level (tests/lifecycle.py); what is
checked is only what the pages show, compared with what was done and when.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from calendar import monthrange
from datetime import date, timedelta
from html import unescape

from tests.answers import answers_for
from tests.html import visible_text
from tests.lifecycle import complete, to_published, to_signoff
from tests.web import html_form_data, login, submit
from webapp.plumbing.templating import when

STAFF_STEP, LIAISON_STEP = "Give your view as staff", "Give the patient liaison view"
EQUALITY_STEP = "Assess the equality impact"


def rows(html: str) -> list[list[str]]:
    """The text of each cell of each body row of the page's table."""
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    return [[visible_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body.group(1) if body else "", re.S)]


def items(html: str, list_class: str) -> list[str]:
    """The text of each <li> of the list with ``list_class``."""
    found = re.search(rf'<(ul|ol) class="{list_class}">(.*?)</\1>', html, re.S)
    return [visible_text(li) for li in re.findall(r"<li>(.*?)</li>", found.group(2), re.S)] if found else []


def facts(html: str) -> dict[str, str]:
    """The published page's facts (a <dl class="facts">) as label → text."""
    block = re.search(r'<dl class="facts">(.*?)</dl>', html, re.S).group(1)
    return {visible_text(dt): visible_text(dd) for dt, dd in re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", block, re.S)}


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, f"GET {url}: {response.status_code}"
    return response.get_data(as_text=True)


def months_later(day: date, months: int) -> date:
    """The same day ``months`` calendar months on (ISO 8601 durations count calendar months)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def test_inbox_shows_policy_step_and_waiting_since(services, people, client, clock):
    """Each row names the step, its policy and department, and since when it has waited (oldest first)."""
    services.commands.start(people["mary"], "Recording in room 1", "Ultrasound")
    clock.advance(hours=2)
    services.commands.start(people["mary"], "Recording in room 2", "Ultrasound")
    room_2_since = clock()
    clock.advance(hours=3)
    complete(services, people["mary"], "draft_policy")  # the older draft: room 1's
    room_1_since = clock()
    login(client, "mary")

    assert rows(page(client, "/inbox")) == [
        ["Draft the policy", "Recording in room 2", "Ultrasound", "No date", when(room_2_since)],
        ["Assess the risks", "Recording in room 1", "Ultrasound", "No date", when(room_1_since)]]


def test_inbox_says_who_returned_a_revision_and_why(services, people, client, tokens):
    """A revision after a request for changes is marked returned, with who sent it back and their comments;
    the first revision (after the consultations) is not."""
    to_signoff(services, people, title="Recording in CT")
    first = services.commands.start(people["mary"], "Recording in room 1", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    for name in ("sam", "alex", "kim"):
        complete(services, people[name], "staff_consultation")
    complete(services, people["pat"], "patient_consultation")
    complete(services, people["eve"], "equality_impact")
    complete(services, people["mary"], "reassess_risks")  # room 1's: its first revision now waits
    complete(services, people["emma"], "employer_signoff", decision="changes_requested",
             comments="Say who staff call when filming continues.")
    login(client, "mary")
    listed = {row[1]: row[0] for row in rows(page(client, "/inbox"))}
    returned = [title for title, task in listed.items() if task.startswith("Consolidate and revise Returned")]
    assert len(returned) == 1 and listed[returned[0]] == (
        "Consolidate and revise Returned by emma (Employer sign-off: Request changes): "
        "“Say who staff call when filming continues.”")
    assert listed[({"Recording in CT", "Recording in room 1"} - set(returned)).pop()] == "Consolidate and revise"
    api = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {tokens['mary']}"}).get_json()
    assert {t["returned"]["by"] for t in api if t["returned"]} == {"emma"} and first


def test_policy_page_shows_status_current_steps_and_timeline(services, people, client):
    """The page says where the policy is, who may act next and who did what so far."""
    policy_id = services.commands.start(people["mary"], "Recording during scans", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    complete(services, people["sam"], "staff_consultation")
    login(client, "mary")
    html = page(client, f"/policies/{policy_id}")

    assert "In progress" in visible_text(re.search(r'<p class="meta">(.*?)</p>', html, re.S).group(1))
    steps = [re.match(r"(.*) — (.*), waiting since", step).groups() for step in items(html, "steps")]
    # The department's manager sees whom each member of staff's step waits for (nobody else does).
    assert sorted(steps) == sorted([(LIAISON_STEP, "Patient liaison"), (STAFF_STEP, "Staff: alex"),
                                    (STAFF_STEP, "Staff: kim"), (EQUALITY_STEP, "Equality lead")])
    timeline = items(html, "timeline")
    assert [re.sub(r"^.*? — ", "", event).split(" (")[0] for event in timeline] == [
        "mary started the policy", "mary completed “Draft the policy”",
        "mary completed “Assess the risks”", f"sam completed “{STAFF_STEP}”"]


def test_diagram_container_points_at_the_bpmn_and_marks_current_steps(services, people, app, client):
    """The viewer gets the diagram (signed-in only) and the diagram ids of exactly the steps listed as current."""
    policy_id = services.commands.start(people["mary"], "Recording during scans", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    login(client, "mary")
    html = page(client, f"/policies/{policy_id}")
    container = re.search(r'<div class="diagram"([^>]*)>', html).group(1)
    url = unescape(re.search(r'data-diagram-url="([^"]+)"', container).group(1))
    current = json.loads(unescape(re.search(r"data-current='([^']*)'", container).group(1)))

    response = client.get(url)
    assert response.status_code == 200 and response.mimetype.endswith("xml")
    names = {el.get("id"): el.get("name") for el in ET.fromstring(response.data).iter() if el.get("id")}
    listed = {s.split(" — ")[0] for s in items(html, "steps")}
    assert current and all(element in names for element in current), current
    assert {names[element] for element in current} == listed

    anonymous = app.test_client().get(url)
    assert anonymous.status_code in (302, 401)
    if anonymous.status_code == 302:
        assert anonymous.headers["Location"].startswith("/login")


def test_published_page_shows_version_effective_and_review_dates(services, people, client, clock):
    """Version 1, the date the manager chose, and the review date one review interval after that date."""
    policy_id = to_signoff(services, people)
    complete(services, people["emma"], "employer_signoff")
    complete(services, people["ian"], "insurer_signoff")
    complete(services, people["cora"], "ratification")
    chosen = clock().date() + timedelta(days=40)
    complete(services, people["mary"], "publish_policy", effective_date=chosen.isoformat())
    interval = answers_for("draft_policy.schema.json")["review_interval_months"]

    shown = facts(page(client, f"/published/{policy_id}"))
    assert shown["Version"] == "1"
    assert shown["Effective from"] == when(chosen)
    assert shown["Next review"] == when(months_later(chosen, interval))


def review_and_republish(app, services, clock) -> None:
    """The review date passes; the manager finds the review in the inbox and changes nothing, the committee
    confirms it, and the manager republishes."""
    assert services.commands.fire_due_timers(clock.advance(days=400)), "the review date should have passed"
    effective = clock().date()
    browsers = {}
    for person, step, answers in (
            ("mary", "Review the policy", answers_for("review_policy.schema.json", outcome="no_changes")),
            ("cora", "Ratify the policy", answers_for("ratification.schema.json",
                                                      meeting_date=(effective - timedelta(days=1)).isoformat())),
            ("mary", "Publish the policy", answers_for("publish_policy.schema.json",
                                                       effective_date=effective.isoformat()))):
        if person not in browsers:
            browsers[person] = app.test_client()
            login(browsers[person], person)
        inbox = page(browsers[person], "/inbox")
        found = re.search(rf'<a href="(/tasks/[^"]+)">{step}</a>', inbox)
        assert found, f"{person} has no “{step}” in the inbox: {visible_text(inbox)[:400]}"
        assert submit(browsers[person], found.group(1), html_form_data(answers)).status_code == 302


def test_a_policy_reviewed_without_change_shows_version_1_1_and_links_version_1(services, people, app, client, clock):
    """After a review with no changes the public reads version 1.1 and can still open version 1."""
    policy_id = to_published(services, people)
    review_and_republish(app, services, clock)

    latest = page(client, f"/published/{policy_id}")
    assert facts(latest)["Version"] == "1.1"
    assert re.search(rf'<a href="/published/{policy_id}/v1">Version 1</a>', latest)
    first = page(client, f"/published/{policy_id}/v1")
    assert facts(first)["Version"].startswith("1")
    assert f'href="/published/{policy_id}"' in first  # the way on to the newer version
    assert [row[2] for row in rows(page(client, "/published"))] == ["1.1"]


def test_republished_policy_is_next_reviewed_an_interval_after_republication(services, people, app, client, clock):
    """A republished version's next review is one review interval after it was republished, not before."""
    policy_id = to_published(services, people)
    review_and_republish(app, services, clock)
    interval = answers_for("draft_policy.schema.json")["review_interval_months"]

    shown = facts(page(client, f"/published/{policy_id}"))
    assert shown["Next review"] == when(months_later(clock().date(), interval))
