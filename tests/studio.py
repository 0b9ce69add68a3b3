"""The studio's test vocabulary: a designer, deploying a variant, and carrying a policy by lifecycle step."""
from __future__ import annotations

from tests.answers import ANSWERS, answers_for
from tests.conftest import PASSWORD

DESIGNER = "dora"


def add_designer(services, username: str = DESIGNER):
    return services.accounts.add_user(username, PASSWORD, ["process_designer"])


def deploy(services, designer, files: dict, note: str = "Local changes"):
    return services.studio.deploy(designer, files, note)


def step_task(services, actor, step: str) -> dict:
    """The actor's ready task of ``step`` (fails loudly if there is none)."""
    tasks = [t for t in services.queries.inbox(actor) if t["lifecycle_step"] == step]
    assert tasks, f"{actor.username} has no ready {step} task; inbox: {services.queries.inbox(actor)}"
    return tasks[0]


def answers(task: dict, **changes) -> dict:
    if task["form"] in ANSWERS:
        found = answers_for(task["form"], **changes)
    else:
        found = {"note": "Reviewed.", **changes}
    return found


def complete_step(services, actor, step: str, **changes) -> int:
    task = step_task(services, actor, step)
    data = answers(task, **changes)
    if "effective_date" in data and "effective_date" not in changes:
        data["effective_date"] = services.clock().date().isoformat()
    return services.commands.complete(actor, task["id"], data)


def consult_by_step(services, people) -> None:
    """Every member of staff and the liaison answer; the equality lead assesses the draft meanwhile."""
    for name in ("sam", "alex", "kim"):
        complete_step(services, people[name], "staff_consultation")
    complete_step(services, people["pat"], "patient_consultation")
    complete_step(services, people["eve"], "equality_impact")
