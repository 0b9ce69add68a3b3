"""Who may complete a task, with what data, and how often.

A task belongs to a role (its lane), a department (its policy) and sometimes one
person. Invalid answers are refused with the field named and nothing saved; a
task is completed exactly once, so a repeated or late submit is a Conflict.
"""
from __future__ import annotations

import pytest

from tests.answers import answers_for
from tests.lifecycle import audit_events, complete, policy_row, task_of, to_signoff
from workflows.errors import Conflict, Forbidden, InvalidInput, NotFound


def start(services, people) -> int:
    return services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")


def completions_of(services, task_id) -> list:
    return audit_events(services, action="task_completed", task_id=task_id)


def submit(services, actor, task: dict, **changes) -> int:
    """Submit the valid answers for ``task`` with ``changes`` (a value of None removes the field)."""
    answers = {k: v for k, v in answers_for(task["form"], **changes).items() if v is not None}
    return services.commands.complete(actor, task["id"], answers)


# ----------------------------------------------------------------- roles and departments

@pytest.mark.parametrize("intruder", ["emma", "ian", "pat", "sam"])
def test_other_roles_cannot_complete_the_managers_task(services, people, intruder):
    start(services, people)
    task = task_of(services, people["mary"], "draft_policy")
    with pytest.raises(Forbidden):
        submit(services, people[intruder], task)
    with pytest.raises(Forbidden):
        services.queries.task_page(people[intruder], task["id"])
    assert task_of(services, people["mary"], "draft_policy")["id"] == task["id"]


def test_only_managers_start_policies(services, people):
    with pytest.raises(Forbidden):
        services.commands.start(people["sam"], "Recording during ultrasound", "Ultrasound")


def test_manager_of_another_department_sees_and_does_nothing(services, people):
    policy_id = start(services, people)
    olga, task = people["olga"], task_of(services, people["mary"], "draft_policy")
    assert services.queries.inbox(olga) == []
    assert services.queries.policies(olga) == []
    with pytest.raises(NotFound):
        services.queries.policy(olga, policy_id)
    with pytest.raises(NotFound):
        services.queries.audit_trail(olga, policy_id)
    with pytest.raises(NotFound):  # another department's task is not even shown to exist
        services.queries.task_page(olga, task["id"])
    with pytest.raises(NotFound):
        submit(services, olga, task)
    with pytest.raises(Forbidden):
        services.commands.start(olga, "Someone else's policy", "Ultrasound")
    assert completions_of(services, task["id"]) == []


def test_unknown_task_is_not_found(services, people):
    start(services, people)
    with pytest.raises(NotFound):
        services.commands.complete(people["mary"], "00000000-0000-0000-0000-000000000000", {})


# ----------------------------------------------------------------- invalid answers

def invalid(name, who, element, changes, field):
    """A submission ``who`` makes on ``element`` with ``changes``; the error must name ``field``."""
    return pytest.param(who, element, changes, field, id=name)


INVALID = [
    invalid("changes without comments", "emma", "employer_signoff", {"decision": "changes_requested"}, "comments"),
    invalid("insurer decision not an option", "ian", "insurer_signoff", {"decision": "maybe"}, "decision"),
    invalid("impact as text", "mary", "assess_risks", {"duration_impact": "high"}, "duration_impact"),
    invalid("staff answer not an option", "sam", "staff_consultation", {"willing_to_be_filmed": "perhaps"},
            "willing_to_be_filmed"),
    invalid("conditions missing", "sam", "staff_consultation", {"willing_to_be_filmed": "willing_with_conditions"},
            "conditions"),
    invalid("field not on the form", "ian", "insurer_signoff", {"approved_by": "ian"}, "approved_by"),
    invalid("required field removed", "mary", "draft_policy", {"summary": None}, "summary"),
    invalid("effective date in the past without a reason", "mary", "publish_policy",
            {"effective_date": "2020-01-31"}, "effective_date"),
    invalid("date in the wrong format", "mary", "publish_policy", {"effective_date": "31/12/2026"}, "effective_date"),
    # Limits (minimum/maximum/minLength/maxLength/const) once crashed forms._message with a TypeError:
    invalid("likelihood of 9", "mary", "assess_risks", {"medico_legal_likelihood": 9}, "medico_legal_likelihood"),
    invalid("approval without the check", "emma", "employer_signoff", {"risk_strategy_checked": False},
            "risk_strategy_checked"),
    invalid("empty conditions", "sam", "staff_consultation",
            {"willing_to_be_filmed": "willing_with_conditions", "conditions": ""}, "conditions"),
    invalid("comments too long", "emma", "employer_signoff",
            {"decision": "changes_requested", "comments": "x" * 10_001}, "comments"),
]


def reach(services, people, element: str) -> None:
    """Carry a new policy to the point where ``element`` is waiting."""
    if element in ("employer_signoff", "insurer_signoff", "publish_policy"):
        to_signoff(services, people)
        if element in ("insurer_signoff", "publish_policy"):
            complete(services, people["emma"], "employer_signoff")
        if element == "publish_policy":
            complete(services, people["ian"], "insurer_signoff")
            complete(services, people["cora"], "ratification")
        return
    start(services, people)
    if element in ("assess_risks", "staff_consultation"):
        complete(services, people["mary"], "draft_policy")
    if element == "staff_consultation":
        complete(services, people["mary"], "assess_risks")


@pytest.mark.parametrize(("who", "element", "changes", "field"), INVALID)
def test_invalid_answers_name_the_field_and_save_nothing(services, people, who, element, changes, field):
    reach(services, people, element)
    task = task_of(services, people[who], element)
    policy_id = task["policy_id"]
    version_before = policy_row(services, policy_id).version

    with pytest.raises(InvalidInput) as refused:
        submit(services, people[who], task, **changes)

    assert field in [error.field for error in refused.value.errors]
    assert policy_row(services, policy_id).version == version_before
    assert task_of(services, people[who], element)["id"] == task["id"], "the task is still waiting"
    assert completions_of(services, task["id"]) == []


def test_invalid_answer_can_be_corrected_and_resubmitted(services, people):
    to_signoff(services, people)
    task = task_of(services, people["emma"], "employer_signoff")
    with pytest.raises(InvalidInput):
        submit(services, people["emma"], task, decision="changes_requested")
    submit(services, people["emma"], task, decision="changes_requested", comments="Add the complaints lead.")
    assert len(completions_of(services, task["id"])) == 1


# ----------------------------------------------------------------- exactly once

def test_double_completion_is_a_conflict_and_recorded_once(services, people):
    start(services, people)
    task = task_of(services, people["mary"], "draft_policy")
    submit(services, people["mary"], task)
    version_after_first = policy_row(services, task["policy_id"]).version
    with pytest.raises(Conflict, match="already completed by mary"):
        submit(services, people["mary"], task, summary="A second, different text.")
    assert len(completions_of(services, task["id"])) == 1
    assert policy_row(services, task["policy_id"]).version == version_after_first
    assert policy_row(services, task["policy_id"]).draft["summary"] != "A second, different text."


def test_completing_a_task_long_closed_is_a_conflict(services, people):
    """The employer's sign-off from before publication cannot be replayed once the policy moved on."""
    to_signoff(services, people)
    old = task_of(services, people["emma"], "employer_signoff")
    complete(services, people["emma"], "employer_signoff")
    complete(services, people["ian"], "insurer_signoff")
    complete(services, people["cora"], "ratification")
    complete(services, people["mary"], "publish_policy")
    with pytest.raises(Conflict):
        submit(services, people["emma"], old, decision="changes_requested", comments="Too late.")
    assert services.queries.policy(people["mary"], old["policy_id"])["status"] == "published"
    assert len(completions_of(services, old["id"])) == 1


def test_published_policy_has_no_task_to_complete(services, people):
    """After publication the manager's publish task is gone from the inbox; resubmitting it conflicts."""
    policy_id = to_signoff(services, people)
    complete(services, people["emma"], "employer_signoff")
    complete(services, people["ian"], "insurer_signoff")
    complete(services, people["cora"], "ratification")
    publish = task_of(services, people["mary"], "publish_policy")
    submit(services, people["mary"], publish)
    with pytest.raises(Conflict):
        submit(services, people["mary"], publish)
    assert len(audit_events(services, action="policy_published", policy_id=policy_id)) == 1
