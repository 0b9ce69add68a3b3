"""The paths a policy takes from draft to publication, on SQLite and PostgreSQL.

Each test plays the roles as people would (through their inboxes) and checks what
they would see: who is asked to act next, what the employer is shown, and what
the public can read once the policy is published, which must never name staff.
"""
from __future__ import annotations

import json
import re

import pytest

from tests.answers import answers_for
from tests.lifecycle import (
    approve_and_publish,
    complete,
    published_version,
    resubmit,
    revise,
    task_of,
    to_published,
    to_signoff,
)
from workflows.errors import Forbidden

STAFF = ("sam", "alex", "kim")


def inbox_names(services, actor) -> list[str]:
    return sorted(task["name"] for task in services.queries.inbox(actor))


def status_of(services, actor, policy_id) -> str:
    return services.queries.policy(actor, policy_id)["status"]


def mentions_anyone(text: str, usernames) -> list[str]:
    return [name for name in usernames if re.search(rf"\b{name}\b", text, re.IGNORECASE)]


def public_json(version) -> str:
    """Everything the public page can show of a published version, as one string."""
    return json.dumps({"title": version.title, "department": version.department, "content": version.content,
                       "risk_rating": version.risk_rating, "effective": str(version.effective_date),
                       "review": str(version.review_date)})


def start_and_draft(services, people) -> int:
    """A started policy whose manager has drafted it; the risk assessment is next."""
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    return policy_id


def consult_everyone(services, people, answers: dict[str, dict]) -> None:
    """Each member of staff gives the answer in ``answers``; then the patient liaison, and the
    equality lead assesses the equality impact."""
    for name in STAFF:
        complete(services, people[name], "staff_consultation", **answers.get(name, {}))
    complete(services, people["pat"], "patient_consultation")
    complete(services, people["eve"], "equality_impact")


# ----------------------------------------------------------------- straight approval

def test_approval_path_publishes_the_public_document(store_services, store_people):
    policy_id = to_published(store_services, store_people)
    assert status_of(store_services, store_people["mary"], policy_id) == "published"
    version, numbers = published_version(store_services, policy_id)
    assert numbers == [1]
    sections = {s["id"]: s for s in version.content["sections"]}
    revised = answers_for("revise_policy.schema.json")
    assert [block["text"] for block in sections["summary"]["blocks"]] == [revised["summary"]]
    assert [block["text"] for block in sections["how_to_ask"]["blocks"]] == [revised["how_to_ask"]]
    assert [a["lane"] for a in version.content["approvals"]] == ["employer", "insurer"]


def test_published_version_names_no_staff_and_hides_internal_notes(store_services, store_people):
    """Staff preferences shape the policy but are never published with a name."""
    policy_id = to_published(store_services, store_people)
    version, _ = published_version(store_services, policy_id)
    text = public_json(version)
    assert mentions_anyone(text, STAFF) == []
    revised = answers_for("revise_policy.schema.json")
    for internal in ("revision_notes", "incident_reporting", "notice_at_exam"):
        assert revised[internal] not in text, f"{internal} is for staff only"


def test_after_publication_only_staff_acknowledgements_are_left(store_services, store_people):
    to_published(store_services, store_people)
    for name, person in store_people.items():
        expected = ["acknowledge_policy"] if "staff" in person.roles else []
        assert inbox_names(store_services, person) == expected, name


# ----------------------------------------------------------------- sign-off sends it back

def test_employer_changes_go_back_to_revision_then_employer_then_insurer(store_services, store_people):
    services, people = store_services, store_people
    policy_id = to_signoff(services, people)
    first = task_of(services, people["emma"], "employer_signoff")["id"]
    complete(services, people["emma"], "employer_signoff", decision="changes_requested",
             comments="Name the lead who handles complaints.")
    assert inbox_names(services, people["mary"]) == ["revise_policy"]
    assert inbox_names(services, people["emma"]) == [] and inbox_names(services, people["ian"]) == []
    revise = services.queries.task_page(people["mary"], task_of(services, people["mary"], "revise_policy")["id"])
    [decision] = revise.context.signoffs
    assert (decision.by, decision.outcome, decision.comments) == ("emma", "Request changes",
                                                                  ["Name the lead who handles complaints."])

    complete(services, people["mary"], "revise_policy")
    assert inbox_names(services, people["gil"]) == ["information_governance"], "the revision is reviewed again"
    assert inbox_names(services, people["emma"]) == []
    complete(services, people["gil"], "information_governance")
    again = task_of(services, people["emma"], "employer_signoff")["id"]
    assert again != first, "the employer signs off afresh, not the old task"
    assert inbox_names(services, people["ian"]) == []
    complete(services, people["emma"], "employer_signoff")
    assert inbox_names(services, people["ian"]) == ["insurer_signoff"]
    assert status_of(services, people["mary"], policy_id) == "in_progress"


def test_insurer_changes_need_both_signoffs_again(store_services, store_people):
    services, people = store_services, store_people
    policy_id = to_signoff(services, people)
    complete(services, people["emma"], "employer_signoff")
    complete(services, people["ian"], "insurer_signoff", decision="changes_requested",
             comments="State who holds the recordings policy for insurance purposes.")
    assert inbox_names(services, people["mary"]) == ["revise_policy"]
    assert inbox_names(services, people["ian"]) == [] and inbox_names(services, people["emma"]) == []

    resubmit(services, people)
    assert inbox_names(services, people["emma"]) == ["employer_signoff"]
    assert inbox_names(services, people["ian"]) == [], "the insurer waits for the employer again"
    complete(services, people["emma"], "employer_signoff")
    complete(services, people["ian"], "insurer_signoff")
    assert inbox_names(services, people["mary"]) == [], "the committee ratifies before publication"
    complete(services, people["cora"], "ratification")
    assert inbox_names(services, people["mary"]) == ["publish_policy"]
    complete(services, people["mary"], "publish_policy")
    assert status_of(services, people["mary"], policy_id) == "published"


# ----------------------------------------------------------------- staff consultation

def test_each_member_of_staff_gets_exactly_their_own_task(store_services, store_people):
    services, people = store_services, store_people
    start_and_draft(services, people)
    complete(services, people["mary"], "assess_risks")
    for name in STAFF:
        tasks = services.queries.inbox(people[name])
        assert [(t["name"], t["assignee"]) for t in tasks] == [("staff_consultation", name)]
    ids = {name: services.queries.inbox(people[name])[0]["id"] for name in STAFF}
    assert len(set(ids.values())) == len(STAFF)


def test_staff_cannot_see_or_answer_a_colleagues_task(store_services, store_people):
    services, people = store_services, store_people
    start_and_draft(services, people)
    complete(services, people["mary"], "assess_risks")
    alex_task = task_of(services, people["alex"], "staff_consultation")["id"]
    with pytest.raises(Forbidden):
        services.queries.task_page(people["sam"], alex_task)
    with pytest.raises(Forbidden):
        services.commands.complete(people["sam"], alex_task, answers_for("staff_consultation.schema.json"))
    assert [t["id"] for t in services.queries.inbox(people["alex"])] == [alex_task], "alex's task is untouched"


def test_published_document_gives_no_staff_numbers_below_five_and_no_names(store_services, store_people):
    services, people = store_services, store_people
    policy_id = start_and_draft(services, people)
    complete(services, people["mary"], "assess_risks")
    consult_everyone(services, people, {
        "alex": {"willing_to_be_filmed": "not_willing", "comments": "alex here: please do not film me."},
        "kim": {"willing_to_be_filmed": "willing_with_conditions", "conditions": "Screen only."},
    })
    revise(services, people)
    approve_and_publish(services, people)

    version, _ = published_version(services, policy_id)
    assert version.content["consultation"]["staff_asked"] is True
    assert version.content["consultation"]["staff_consulted"] is None, "3 answers could point at a person"
    assert not re.search(r"\b[0-9]\b", json.dumps([s for s in version.content["sections"]
                                                    if s["id"] == "staff_preferences"]))
    assert mentions_anyone(public_json(version), STAFF) == []


# ----------------------------------------------------------------- risk rating

RISKS = ("medico_legal", "staff_preferences", "distraction", "duration")

RATING_CASES = {
    # name: the residual (likelihood, impact) of every risk after the mitigations; the highest score decides
    "low": (1, 3),
    "moderate": (2, 3),
    "high": (3, 3),
    "extreme": (5, 4),
}

#: Before the mitigations every risk scores 5 x 5: the initial rating is extreme in every case.
INITIAL = (5, 5)


def rating_for(likelihood: int, impact: int) -> str:
    """The NPSA bands the risk forms state: 1-3 low, 4-6 moderate, 8-12 high, 15-25 extreme."""
    score = likelihood * impact
    return "low" if score < 4 else "moderate" if score < 8 else "high" if score < 15 else "extreme"


def scores(likelihood: int, impact: int, kind: str = "") -> dict:
    """Every risk's ``likelihood`` and ``impact`` fields (``kind`` "residual_" for the residual ones)."""
    return {f"{risk}_{kind}{part}": value for risk in RISKS
            for part, value in (("likelihood", likelihood), ("impact", impact))}


@pytest.mark.parametrize("case", list(RATING_CASES))
def test_risk_rating_is_shown_to_the_employer(store_services, store_people, case):
    services, people = store_services, store_people
    likelihood, impact = RATING_CASES[case]
    policy_id = start_and_draft(services, people)
    complete(services, people["mary"], "assess_risks", **scores(*INITIAL))
    consult_everyone(services, people, {})
    complete(services, people["mary"], "reassess_risks", **scores(*INITIAL), **scores(likelihood, impact, "residual_"))
    complete(services, people["mary"], "revise_policy")
    if rating_for(likelihood, impact) in ("high", "extreme"):  # a warning sign: the manager justifies going ahead
        complete(services, people["mary"], "justify_warning_signs")
    complete(services, people["gil"], "information_governance")

    page = services.queries.task_page(people["emma"], task_of(services, people["emma"], "employer_signoff")["id"])
    assessment = page.context.risk_assessment
    assert assessment.rating == rating_for(likelihood, impact)
    assert assessment.initial_rating == rating_for(*INITIAL) == "extreme"
    assert [(r.likelihood, r.impact, r.score) for r in assessment.risks] == [(*INITIAL, INITIAL[0] * INITIAL[1])] * 4
    assert [(r.residual_likelihood, r.residual_impact, r.residual_score) for r in assessment.risks] == \
        [(likelihood, impact, likelihood * impact)] * 4
    assert [step.rating for step in assessment.scale if step.applies] == [rating_for(likelihood, impact)]
    policy = services.queries.policy(people["emma"], policy_id)
    assert (policy["risk_rating"], policy["risk_rating_initial"]) == (rating_for(likelihood, impact), "extreme")
