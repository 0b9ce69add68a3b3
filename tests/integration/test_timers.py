"""The review timer: a published policy comes back for review after its review interval.

Time is the test's ``clock``; ``fire_due_timers`` is what the worker (cron) calls.
The review date the manager chose must be what the policy shows, nothing may fire
early, and a due review reopens the policy for the manager, who either republishes
it (a new published version) or starts a full new cycle with new consultations.
"""
from __future__ import annotations

import calendar
from datetime import datetime, timedelta

import pytest

from tests.lifecycle import complete, published_version
from workflows.errors import Conflict

TOLERANCE = timedelta(days=1)


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar months later, on the same day where the month has one (else its last day)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def publish(services, people, months: int, effective: str | None = None) -> int:
    """A policy whose revised text asks for a review every ``months``, signed off and published
    (taking effect on ``effective``, by default the day it is published)."""
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    for who, element in [("mary", "draft_policy"), ("mary", "assess_risks"), ("sam", "staff_consultation"),
                         ("alex", "staff_consultation"), ("kim", "staff_consultation"),
                         ("pat", "patient_consultation")]:
        complete(services, people[who], element)
    complete(services, people["mary"], "revise_policy", review_interval_months=months)
    for who, element in [("emma", "employer_signoff"), ("ian", "insurer_signoff")]:
        complete(services, people[who], element)
    complete(services, people["mary"], "publish_policy", **({"effective_date": effective} if effective else {}))
    return policy_id


def next_review(services, people, policy_id) -> datetime | None:
    return services.queries.policy(people["mary"], policy_id)["next_review_at"]


def inbox_names(services, actor) -> list[str]:
    return sorted(task["name"] for task in services.queries.inbox(actor))


def make_review_due(services, people, clock, policy_id) -> None:
    """Move the clock past the review date and let the worker fire the timer."""
    clock.now = next_review(services, people, policy_id) + timedelta(hours=1)
    assert services.commands.fire_due_timers(clock.now) == [(policy_id, ["review_due"])]


# ----------------------------------------------------------------- the review date

@pytest.mark.parametrize("months", [6, 18])
def test_review_date_is_the_chosen_interval_after_publication(services, people, clock, months):
    policy_id = publish(services, people, months)
    due = next_review(services, people, policy_id)
    assert abs(due - add_months(clock.now, months)) < TOLERANCE
    version, _ = published_version(services, policy_id)
    assert version.review_date == due.date()


def test_review_date_is_counted_from_the_effective_date_not_from_publication(services, people, clock):
    effective = (clock.now + timedelta(days=45)).date()
    policy_id = publish(services, people, 6, effective=effective.isoformat())
    version, _ = published_version(services, policy_id)
    assert version.effective_date == effective
    assert version.review_date == add_months(datetime.combine(effective, datetime.min.time()), 6).date()
    assert next_review(services, people, policy_id).date() == version.review_date


def test_nothing_fires_before_the_review_date(services, people, clock):
    policy_id = publish(services, people, 6)
    clock.now = next_review(services, people, policy_id) - timedelta(hours=1)
    assert services.commands.fire_due_timers(clock.now) == []
    assert inbox_names(services, people["mary"]) == []
    assert services.queries.policy(people["mary"], policy_id)["status"] == "published"


def test_a_due_review_reaches_the_manager(services, people, clock):
    policy_id = publish(services, people, 6)
    make_review_due(services, people, clock, policy_id)
    assert inbox_names(services, people["mary"]) == ["review_policy"]
    assert services.queries.policy(people["mary"], policy_id)["status"] == "under_review"
    assert services.commands.fire_due_timers(clock.now) == [], "a fired timer does not fire twice"
    assert published_version(services, policy_id)[1] == [1], "the published policy stays readable"


# ----------------------------------------------------------------- review outcomes

def test_no_changes_republishes_as_a_minor_version(services, people, clock):
    policy_id = publish(services, people, 6)
    make_review_due(services, people, clock, policy_id)
    complete(services, people["mary"], "review_policy", outcome="no_changes")
    assert inbox_names(services, people["mary"]) == ["publish_policy"]
    complete(services, people["mary"], "publish_policy")

    version, numbers = published_version(services, policy_id)
    assert numbers == [1, 2]
    assert version.content["approvals"] == [], "nobody signed off version 2"
    assert version.content["reviews"] == [{"date": clock().date().isoformat()}], "the public reads when, not a button"
    assert version.content["changes"]["kind"] == "unchanged"
    assert version.content["carried_approvals"]["version"] == "1"
    assert services.queries.policy(people["mary"], policy_id)["status"] == "published"


def test_republication_sets_the_next_review_from_the_republication_date(services, people, clock):
    policy_id = publish(services, people, 6)
    make_review_due(services, people, clock, policy_id)
    complete(services, people["mary"], "review_policy", outcome="no_changes")
    complete(services, people["mary"], "publish_policy")
    assert abs(next_review(services, people, policy_id) - add_months(clock.now, 6)) < TOLERANCE
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
    assert published_version(services, policy_id)[1] == [1], "the old version stays published meanwhile"


def test_the_review_task_is_completed_once(services, people, clock):
    policy_id = publish(services, people, 6)
    make_review_due(services, people, clock, policy_id)
    task = services.queries.inbox(people["mary"])[0]
    answers = {"outcome": "no_changes", "review_notes": "Fine."}
    services.commands.complete(people["mary"], task["id"], answers)
    with pytest.raises(Conflict):
        services.commands.complete(people["mary"], task["id"], answers)
