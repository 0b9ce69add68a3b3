"""The review timer: a published policy comes back for review ahead of its review date.

Time is the test's ``clock``; ``fire_due_timers`` is what the worker (cron) calls.
The review date the manager chose (the interval counted from the effective date) must
be what the published policy shows; the review opens the publication's lead time
(``reviewLeadTime``, three months) before it, and nothing may fire earlier. A due
review reopens the policy for the manager, who either asks the committee to confirm it
unchanged (republished as a minor version) or starts a full new cycle with new
consultations.
"""
from __future__ import annotations

import calendar
from datetime import datetime, timedelta

import pytest

from tests.lifecycle import complete, consult, published_version, revise
from tests.web import login
from workflows.errors import Conflict

TOLERANCE = timedelta(days=1)
LEAD_MONTHS = 3  # the default diagram's reviewLeadTime, P3M


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar months later (or earlier), on the same day where the month has one (else its last day)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def publish(services, people, months: int, effective: str | None = None) -> int:
    """A policy whose revised text asks for a review every ``months``, reviewed, signed off, ratified
    and published (taking effect on ``effective``, by default the day it is published)."""
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    consult(services, people)
    revise(services, people, review_interval_months=months)
    for who, element in [("emma", "employer_signoff"), ("ian", "insurer_signoff"), ("cora", "ratification")]:
        complete(services, people[who], element)
    complete(services, people["mary"], "publish_policy", **({"effective_date": effective} if effective else {}))
    return policy_id


def next_review(services, people, policy_id) -> datetime | None:
    """When the review opens (the policy's next timer)."""
    return services.queries.policy(people["mary"], policy_id)["next_review_at"]


def inbox_names(services, actor) -> list[str]:
    return sorted(task["name"] for task in services.queries.inbox(actor))


def make_review_due(services, people, clock, policy_id) -> None:
    """Move the clock past the moment the review opens and let the worker fire the timer."""
    clock.now = next_review(services, people, policy_id) + timedelta(hours=1)
    assert services.commands.fire_due_timers(clock.now) == [(policy_id, ["review_due"])]


def confirm_and_republish(services, people) -> None:
    """The manager finds nothing to change, the committee confirms it, the manager republishes."""
    complete(services, people["mary"], "review_policy", outcome="no_changes")
    assert inbox_names(services, people["mary"]) == [], "the committee confirms a review without change"
    assert inbox_names(services, people["cora"]) == ["ratification"]
    complete(services, people["cora"], "ratification")
    assert inbox_names(services, people["mary"]) == ["publish_policy"]
    complete(services, people["mary"], "publish_policy")


# ----------------------------------------------------------------- the review date

@pytest.mark.parametrize("months", [6, 18])
def test_review_date_is_the_chosen_interval_after_publication(services, people, clock, months):
    policy_id = publish(services, people, months)
    version, _ = published_version(services, policy_id)
    assert abs(datetime.combine(version.review_date, clock.now.timetz()) - add_months(clock.now, months)) < TOLERANCE
    opens = next_review(services, people, policy_id)
    assert opens.date() == add_months(datetime.combine(version.review_date, datetime.min.time()),
                                      -LEAD_MONTHS).date(), "the review opens three months before its date"


def test_review_date_is_counted_from_the_effective_date_not_from_publication(services, people, clock):
    effective = (clock.now + timedelta(days=45)).date()
    policy_id = publish(services, people, 6, effective=effective.isoformat())
    version, _ = published_version(services, policy_id)
    assert version.effective_date == effective
    assert version.review_date == add_months(datetime.combine(effective, datetime.min.time()), 6).date()
    assert next_review(services, people, policy_id).date() == add_months(
        datetime.combine(version.review_date, datetime.min.time()), -LEAD_MONTHS).date()


def test_nothing_fires_before_the_review_opens(services, people, clock):
    policy_id = publish(services, people, 6)
    clock.now = next_review(services, people, policy_id) - timedelta(hours=1)
    assert services.commands.fire_due_timers(clock.now) == []
    assert inbox_names(services, people["mary"]) == []
    assert services.queries.policy(people["mary"], policy_id)["status"] == "published"


def test_a_due_review_reaches_the_manager_ahead_of_the_review_date(services, people, clock):
    policy_id = publish(services, people, 6)
    make_review_due(services, people, clock, policy_id)
    assert clock.now.date() < published_version(services, policy_id)[0].review_date
    assert inbox_names(services, people["mary"]) == ["review_policy"]
    assert services.queries.policy(people["mary"], policy_id)["status"] == "under_review"
    assert services.commands.fire_due_timers(clock.now) == [], "a fired timer does not fire twice"
    assert published_version(services, policy_id)[1] == [1], "the published policy stays readable"


# ----------------------------------------------------------------- review outcomes

def test_no_changes_republishes_as_a_minor_version(services, people, clock):
    policy_id = publish(services, people, 6)
    staff_tasks = {name: sorted(t["id"] for t in services.queries.inbox(people[name])) for name in ("sam", "alex", "kim")}
    make_review_due(services, people, clock, policy_id)
    confirm_and_republish(services, people)

    version, numbers = published_version(services, policy_id)
    assert numbers == [1, 2]
    assert version.content["version_label"] == "1.1"
    assert services.queries.policy(people["mary"], policy_id)["published_version"] == "1.1"
    assert version.content["approvals"] == [], "nobody signed off version 1.1"
    assert version.content["reviews"] == [{"date": clock().date().isoformat()}], "the public reads when, not a button"
    assert version.content["changes"]["kind"] == "unchanged"
    assert version.content["carried_approvals"]["version"] == "1"
    assert services.queries.policy(people["mary"], policy_id)["status"] == "published"
    assert {name: sorted(t["id"] for t in services.queries.inbox(people[name]))
            for name in ("sam", "alex", "kim")} == staff_tasks, "nobody acknowledges the same text again"


def test_republication_sets_the_next_review_from_the_republication_date(services, people, clock):
    policy_id = publish(services, people, 6)
    make_review_due(services, people, clock, policy_id)
    confirm_and_republish(services, people)
    version, _ = published_version(services, policy_id)
    assert abs(datetime.combine(version.review_date, clock.now.timetz()) - add_months(clock.now, 6)) < TOLERANCE
    assert abs(next_review(services, people, policy_id) - add_months(clock.now, 6 - LEAD_MONTHS)) < TOLERANCE
    assert services.commands.fire_due_timers(clock.now) == [], "the new review is months away"


def test_full_review_starts_a_new_cycle_with_new_staff_tasks(services, people, clock):
    policy_id = publish(services, people, 6)
    old_staff_tasks = {t["id"] for t in services.queries.inbox(people["sam"])}
    make_review_due(services, people, clock, policy_id)
    complete(services, people["mary"], "review_policy", outcome="full_review", review_notes="Guidance changed.")
    assert inbox_names(services, people["mary"]) == ["draft_policy"]

    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    for name in ("sam", "alex", "kim"):
        tasks = [t for t in services.queries.inbox(people[name]) if t["lifecycle_step"] != "acknowledgement"]
        assert [t["name"] for t in tasks] == ["staff_consultation"]
        assert tasks[0]["id"] not in old_staff_tasks
    assert inbox_names(services, people["pat"]) == ["patient_consultation"]
    assert inbox_names(services, people["eve"]) == ["equality_impact"]
    assert published_version(services, policy_id)[1] == [1], "the old version stays published meanwhile"


def test_the_review_task_is_completed_once(services, people, clock):
    policy_id = publish(services, people, 6)
    make_review_due(services, people, clock, policy_id)
    task = services.queries.inbox(people["mary"])[0]
    answers = {"outcome": "no_changes", "review_notes": "Fine."}
    services.commands.complete(people["mary"], task["id"], answers)
    with pytest.raises(Conflict):
        services.commands.complete(people["mary"], task["id"], answers)


def test_a_consultation_deadline_is_not_called_the_next_review(services, people, clock, client):
    """Before publication the policy's next timer is the consultation's deadline: the policy (its page,
    the API) names no review until one is waiting."""
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    assert next_review(services, people, policy_id) is None
    login(client, "mary")
    page = client.get(f"/policies/{policy_id}").get_data(as_text=True)
    assert "review opens" not in page and "until the review is due" not in page
