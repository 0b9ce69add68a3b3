"""A policy's cost over its life: completions at review cycle 1 and cycle 20, and the stored state.

One policy goes round "full review" cycles: draft, risk assessment, consultation,
revision, both sign-offs, publication, then the review date passes and the review
starts the next cycle. Each completion is timed in-process; the stored workflow
state is measured after each publication.
"""
from __future__ import annotations

import time

from sqlalchemy import func, select

from tests.answers import answers_for
from workflows.policies.queries import Page
from workflows.storage.schema import WorkflowState

from .common import Clock, add_department, median_ms, services_for


def _state_bytes(services, policy_id: int) -> int:
    with services.database.reading() as session:
        return session.scalar(select(func.length(WorkflowState.state)).where(WorkflowState.policy_id == policy_id))


def _complete_all(services, people, forms, times: list[float], review_outcome: str, today: str) -> bool:
    """Complete every task anyone has (a publication takes effect ``today``); return whether anything was done."""
    progressed = False
    for actor in people.values():
        for task in services.queries.inbox(actor, Page(limit=10)):
            answers = answers_for(forms[task["name"]])
            if task["lifecycle_step"] == "review":
                answers["outcome"] = review_outcome
            if "effective_date" in answers:
                answers["effective_date"] = today
            began = time.perf_counter()
            services.commands.complete(actor, task["id"], answers)
            times.append(time.perf_counter() - began)
            progressed = True
    return progressed


def measure(url: str, forms: dict, cycles: int = 20) -> list[dict]:
    clock = Clock()
    services = services_for(url, clock)
    department = add_department(services, "History")
    policy_id = services.commands.start(department.manager, "A long-lived policy", department.name)
    rows = []
    for cycle in range(1, cycles + 1):
        times: list[float] = []
        while _complete_all(services, department.people, forms, times, "full_review", clock.now.date().isoformat()):
            pass  # until the policy is published and waits for its review date
        rows.append({"cycle": cycle, "median_ms": median_ms(times), "steps": len(times),
                     "state_bytes": _state_bytes(services, policy_id)})
        services.commands.fire_due_timers(clock.advance(days=800))
    services.database.dispose()
    return rows
