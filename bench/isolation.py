"""What isolation costs: one engine step in the app's own process versus in a sandbox worker.

The same steps (the approve path, three staff) are run through ``WorkflowEngine``
directly and through ``Sandbox.run``; the difference is what the worker process,
its limits and the round trip add to each step.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone

from tests.answers import answers_for
from workflows.engine.specs import load_bundle, read_bundle_directory
from workflows.engine.steps import WorkflowEngine
from workflows.sandbox import Sandbox
from workflows.wiring import BPMN_DIR

from .common import STAFF, median_ms

START = {"policy": {"title": "Isolation", "department": "d"}, "staff_members": [f"s{i}" for i in range(STAFF)]}


def _walk(step, policies: int) -> list[float]:
    """Time every completion of ``policies`` policies walked to publication with ``step(operation, **arguments)``."""
    samples = []
    for _ in range(policies):
        result = step("start", data=START)
        while result.ready:
            task = result.ready[0]
            began = time.perf_counter()
            result = step("complete", state=result.state, task_id=task.id, answers=answers_for(task.form))
            samples.append(time.perf_counter() - began)
            if task.lifecycle_step == "publication":
                break
    return samples


def measure(policies: int = 30) -> dict:
    bundle, now = load_bundle(*read_bundle_directory(BPMN_DIR)), datetime.now(timezone.utc)
    engine = WorkflowEngine()
    in_process = _walk(lambda operation, **arguments: getattr(engine, operation)(bundle, now=now, **arguments), policies)
    sandbox = Sandbox()
    try:
        sandboxed = _walk(lambda operation, **arguments: sandbox.run(operation, bundle.content_hash,
                                                                    lambda: bundle.files, now=now, **arguments),
                          policies)
    finally:
        sandbox.close()
    return {"in_process_ms": median_ms(in_process), "sandboxed_ms": median_ms(sandboxed)}
