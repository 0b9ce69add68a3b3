"""The timeline tells the story: what each sign-off and review decided and why, which version was
published, and who was consulted (staff named to managers only). The audit API says the same."""
from __future__ import annotations

import re

from tests.html import visible_text
from tests.lifecycle import approve_and_publish, complete, published_version, resubmit, to_signoff
from tests.web import login

ASKED = "Name who staff call when filming continues."


def timeline(app, username: str, policy_id: int) -> list[str]:
    browser = app.test_client()
    login(browser, username)
    html = browser.get(f"/policies/{policy_id}").get_data(as_text=True)
    found = re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S).group(1)
    return [re.sub(r"^.*? — ", "", visible_text(item)) for item in re.findall(r"<li>(.*?)</li>", found, re.S)]


def published_after_changes(services, people) -> int:
    policy_id = to_signoff(services, people)
    complete(services, people["emma"], "employer_signoff", decision="changes_requested", comments=ASKED)
    resubmit(services, people)
    approve_and_publish(services, people)
    return policy_id


def test_each_event_says_what_was_decided_and_why(app, services, people, clock):
    policy_id = published_after_changes(services, people)
    events = timeline(app, "emma", policy_id)
    assert f"emma completed “Employer sign-off”: Request changes (process version 1) “{ASKED}”" in events
    assert "emma completed “Employer sign-off”: Approve (process version 1)" in events
    assert "ian completed “Insurer sign-off”: Approve (process version 1)" in events
    assert events.count("gil completed “Information governance review”: Approve (process version 1)") == 2
    assert "cora completed “Ratify the policy”: Approved (process version 1)" in events
    assert ("pat completed “Give the patient liaison view”: Supports the policy (process version 1) "
            "“Parents value a picture of the screen.”") in events
    review = published_version(services, policy_id)[0].review_date
    assert review.year == clock().date().year + 1
    assert any(e.startswith(f"mary published version 1, effective {clock().date():%d %b %Y}; next review "
                            f"{review:%d %b %Y}") for e in events), events


def test_staff_are_named_to_the_manager_only_and_their_answers_never(app, services, people):
    policy_id = published_after_changes(services, people)
    for username, named in (("mary", True), ("emma", False), ("pat", False)):
        staff_events = [e for e in timeline(app, username, policy_id) if "Give your view as staff" in e]
        assert len(staff_events) == 3, username
        who = {e.split(" completed")[0] for e in staff_events}
        assert who == ({"sam", "alex", "kim"} if named else {"a member of staff"}), username
        assert not any("willing" in e.lower() or "film" in e.lower() for e in staff_events), "answers stay out"


def test_the_audit_api_carries_the_decisions_and_the_same_words(client, services, people, tokens):
    policy_id = published_after_changes(services, people)
    events = client.get(f"/api/v1/policies/{policy_id}/audit",
                        headers={"Authorization": f"Bearer {tokens['ian']}"}).get_json()
    signoffs = [e for e in events if e["task"] == "employer_signoff"]
    assert [e["data"]["decision"] for e in signoffs] == ["changes_requested", "approved"]
    assert signoffs[0]["data"]["comments"] == ASKED
    assert signoffs[0]["summary"] == f"emma completed “Employer sign-off”: Request changes. “{ASKED}”"
    [published] = [e for e in events if e["action"] == "policy_published"]
    assert published["data"]["version"] == 1 and published["summary"].startswith("mary published version 1")
    staff = [e for e in events if e["task"] == "staff_consultation"]
    assert {(e["actor"], e["data"]) for e in staff} == {("a member of staff", None)}
