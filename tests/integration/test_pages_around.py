"""The pages around the steps, read and used as people do: the manager's tools on a policy's page,
claiming a shared task, the reason forms, personal mail settings, the dashboard and its CSV."""
from __future__ import annotations

import csv
import io
import re

import pytest

from tests.html import links, visible_text
from tests.lifecycle import complete, task_of, to_published, to_signoff
from tests.web import csrf_token, login, submit


@pytest.fixture
def signed_in(app):
    def as_person(name):
        client = app.test_client()
        login(client, name)
        return client
    return as_person


def text(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return visible_text(response.get_data(as_text=True))


def consulting(services, people) -> int:
    policy_id = services.commands.start(people["mary"], "Recording during scans", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    complete(services, people["sam"], "staff_consultation")
    return policy_id


def test_the_manager_sees_who_has_not_answered_and_staff_do_not(services, people, signed_in):
    policy_id = consulting(services, people)
    manager_page = text(signed_in("mary"), f"/policies/{policy_id}")
    assert "Not answered yet: alex, kim." in manager_page
    assert "Remind everyone who has not answered" in manager_page
    staff_page = text(signed_in("sam"), f"/policies/{policy_id}")
    assert "Not answered yet" not in staff_page and "alex" not in staff_page and "kim" not in staff_page


def test_the_manager_reminds_and_closes_the_consultation_from_the_page(services, people, signed_in):
    policy_id = consulting(services, people)
    mary = signed_in("mary")
    url = f"/policies/{policy_id}"
    reminded = mary.post(f"{url}/remind", data={"step": "staff_consultation", "csrf_token": csrf_token(mary, url)},
                         follow_redirects=True)
    assert "Reminder sent to alex, kim." in visible_text(reminded.get_data(as_text=True))
    closed = mary.post(f"{url}/consultation/close", data={"csrf_token": csrf_token(mary, url)}, follow_redirects=True)
    page = visible_text(closed.get_data(as_text=True))
    assert "The staff consultation is closed" in page and "Not answered yet" not in page


def test_a_shared_task_is_claimed_from_its_page(services, people, signed_in):
    to_signoff(services, people)
    task_id = task_of(services, people["emma"], "employer_signoff")["id"]
    emma = signed_in("emma")
    page = text(emma, f"/tasks/{task_id}")
    assert "Claim this task" in page
    claimed = emma.post(f"/tasks/{task_id}/claim", data={"csrf_token": csrf_token(emma, f"/tasks/{task_id}")},
                        follow_redirects=True)
    page = visible_text(claimed.get_data(as_text=True))
    assert "You have claimed this task" in page and "Release it for others" in page


def test_giving_a_task_to_someone_else_from_the_page(services, people, signed_in):
    policy_id = consulting(services, people)
    task_id = task_of(services, people["kim"], "staff_consultation")["id"]
    mary = signed_in("mary")
    form = mary.get(f"/tasks/{task_id}/assign").get_data(as_text=True)
    assert '<label for="username">Who should do it</label>' in form
    assert '<option value="alex">' in form and '<option value="kim">' not in form
    done = submit(mary, f"/tasks/{task_id}/assign", {"username": "alex"}, follow_redirects=True)
    assert "is now alex's" in visible_text(done.get_data(as_text=True))
    assert task_id in [t["id"] for t in services.queries.inbox(people["alex"])]
    assert signed_in("sam").get(f"/tasks/{task_id}/assign").status_code == 403
    assert policy_id


def test_suspending_needs_a_reason_and_then_shows_on_the_page(services, people, signed_in, clock):
    policy_id = to_published(services, people)
    mary = signed_in("mary")
    url = f"/policies/{policy_id}/suspend"
    assert "Suspend the policy" in text(mary, f"/policies/{policy_id}")
    empty = submit(mary, url, {"reason": ""})
    assert empty.status_code == 422 and "Give a reason" in visible_text(empty.get_data(as_text=True))
    done = submit(mary, url, {"reason": "Notices are being replaced."}, follow_redirects=True)
    page = visible_text(done.get_data(as_text=True))
    assert f"Suspended since {clock.now:%d %b %Y}. Notices are being replaced." in page
    assert "Resume the policy" in page and "Suspend the policy" not in page
    assert signed_in("sam").get(url).status_code == 200, "the form is shown; posting it is refused"
    assert submit(signed_in("sam"), url, {"reason": "x"}).status_code == 403


def test_the_mail_setting_is_each_persons_own(services, people, signed_in):
    sam = signed_in("sam")
    assert "As soon as something is waiting for me" in text(sam, "/settings")
    saved = submit(sam, "/settings", {"mail": "digest"}, follow_redirects=True)
    assert "one e-mail a day" in visible_text(saved.get_data(as_text=True))
    assert services.accounts.person("sam").mail_digest and not services.accounts.person("alex").mail_digest


def test_the_dashboard_shows_status_overdue_tasks_reviews_and_incidents(services, people, signed_in, clock, tokens,
                                                                       client):
    policy_id = to_published(services, people)
    clock.advance(days=15)  # the acknowledgements are overdue
    client.post(f"/api/v1/policies/{policy_id}/incidents", headers={"Authorization": f"Bearer {tokens['sam']}"},
                json={"occurred_on": clock.now.date().isoformat(), "description": "d", "action_taken": "a"})
    page = text(signed_in("mary"), "/dashboard")
    assert re.search(r"Policies by status .*Published\s*1 ", page)
    assert "Read and acknowledge the policy Recording during ultrasound alex" in page
    assert "Incidents in the last year" in page
    governance = text(signed_in("ian"), "/dashboard")
    assert "A member of staff" in governance and "alex" not in governance, "names are for managers"
    assert "Incidents in the last year" not in governance, "the insurer does not read incidents"
    assert signed_in("sam").get("/dashboard").status_code == 403
    assert "No review is due in the next 90 days" in page
    clock.advance(days=185)  # the review opens three months before the review date: within 90 days of now
    assert re.search(r"Reviews opening in the next 90 days .*Recording during ultrasound\s*Ultrasound",
                     text(signed_in("mary"), "/dashboard"))


def test_csv_exports_of_the_policy_list_and_the_audit_trail(services, people, signed_in):
    policy_id = to_published(services, people, title="=HYPERLINK(\"x\")")
    mary = signed_in("mary")
    policies = list(csv.DictReader(io.StringIO(mary.get("/dashboard/policies.csv").get_data(as_text=True))))
    assert [(p["id"], p["status"]) for p in policies] == [(str(policy_id), "published")]
    assert policies[0]["title"].startswith("'="), "a formula is kept as text"
    response = mary.get(f"/policies/{policy_id}/audit.csv")
    assert response.headers["Content-Disposition"] == f'attachment; filename="policy-{policy_id}-audit.csv"'
    trail = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert trail[0]["action"] == "policy_started" and trail[-1]["action"] == "policy_published"
    staff_view = list(csv.DictReader(io.StringIO(signed_in("sam").get(f"/policies/{policy_id}/audit.csv")
                                                 .get_data(as_text=True))))
    consultation = [row for row in staff_view if row["task"] == "staff_consultation"]
    assert consultation and {row["actor"] for row in consultation} == {"a member of staff"}
    assert signed_in("olga").get(f"/policies/{policy_id}/audit.csv").status_code == 404


def test_navigation_offers_what_each_role_uses(people, signed_in):
    nav = {name: [label for _href, label in links(signed_in(name).get("/inbox").get_data(as_text=True))]
           for name in ("mary", "sam", "emma")}
    assert "Dashboard" in nav["mary"] and "Dashboard" in nav["emma"] and "Dashboard" not in nav["sam"]
    assert all("Settings" in labels and "Admin" not in labels for labels in nav.values())
