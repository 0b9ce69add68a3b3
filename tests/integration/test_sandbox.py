"""The second wall: diagram code runs in worker processes the operating system stops.

Each bomb here passes the restricted environment's own checks (no loop runs more
than its budget, nothing grows past its bound) and is still too costly: a sum over
100,000 numbers, 99,999 times. The kernel's CPU limit, the address-space limit or
the parent's wall-clock timeout stops it; the person is told which diagram code
ran too long; the worker is replaced; other steps go on meanwhile.
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest

from tests.diagrams import note_bundle_files, note_process
from workflows.sandbox import Sandbox, StepLimitExceeded, StepLimits
from workflows.specs import load_bundle

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
#: About 50 s of CPU, built from pieces each of which the restricted environment allows.
SLOW = "max(sum(numbers) for numbers in [list(range(100000))] * 99999)"
SLOW_SCRIPT = "numbers = list(range(100000))\ntotal = 0\nfor i in range(99999):\n    total = sum(numbers)"
#: About 30 MB in 30 lists, each of which the restricted environment allows.
BIG_SCRIPT = "numbers = list(range(100000))\nrows = [list(numbers) for i in range(30)]\nrows = []"


class Note:
    """A note diagram in a sandbox: start it, then complete its note task."""

    def __init__(self, sandbox: Sandbox, **code):
        self.sandbox, self.bundle = sandbox, load_bundle(*note_bundle_files(note_process(**code)))

    def _run(self, operation: str, **arguments):
        return self.sandbox.run(operation, self.bundle.content_hash, lambda: self.bundle.files, now=NOW, **arguments)

    def start(self):
        return self._run("start", data={})

    def complete(self, started):
        return self._run("complete", state=started.state, task_id=started.ready[0].id, answers={"note": "go on"})


def sandbox_with(**limits) -> Sandbox:
    # A generous wall clock, so on a busy machine the CPU limit is still what stops a step.
    return Sandbox(StepLimits(**{"wall_seconds": 60, "processes": 2, **limits}))


@pytest.fixture(scope="module")
def quick():
    """Steps may use 1 s of CPU."""
    sandbox = sandbox_with(cpu_seconds=1)
    yield sandbox
    sandbox.close()


def test_a_harmless_step_runs_in_a_worker(quick):
    result = Note(quick, script="total = sum([2, 3, 4])").start()
    assert [t.element_id for t in result.ready] == ["write_note"]
    assert result.data["total"] == 9


@pytest.mark.parametrize("code, culprit", [
    ({"condition": f"{SLOW} > 0"}, "The condition on flow flow_checked"),
    ({"timer": f'"P%dD" % {SLOW}'}, "The timer expression of wait"),
], ids=["gateway condition", "timer expression"])
def test_code_over_its_cpu_time_is_stopped_and_named(quick, code, culprit):
    note = Note(quick, **code)
    started = note.start()
    with pytest.raises(StepLimitExceeded) as stopped:
        note.complete(started)
    assert stopped.value.message.startswith(f"{culprit} ran longer than 1 s; nothing was saved.")
    # The worker was replaced: the same step can be tried again, and a harmless one runs.
    assert Note(quick).complete(Note(quick).start()).completed


def test_a_script_over_its_cpu_time_is_stopped_and_named(quick):
    with pytest.raises(StepLimitExceeded, match="^The script of run_script ran longer than 1 s"):
        Note(quick, script=SLOW_SCRIPT).start()


def test_code_over_its_memory_is_stopped_and_named():
    sandbox = sandbox_with(memory_mb=16, cpu_seconds=5)
    try:
        with pytest.raises(StepLimitExceeded, match="^The script of run_script needed more than 16 MB of memory"):
            Note(sandbox, script=BIG_SCRIPT).start()
        assert Note(sandbox).start().ready  # a fresh worker took over
    finally:
        sandbox.close()


def test_the_wall_clock_stops_what_the_cpu_limit_would_let_run_on():
    sandbox = sandbox_with(cpu_seconds=60, wall_seconds=1)
    try:
        note = Note(sandbox, condition=f"{SLOW} > 0")
        started = note.start()
        with pytest.raises(StepLimitExceeded, match="^The condition on flow flow_checked did not finish within 1 s"):
            note.complete(started)
        assert Note(sandbox).start().ready
    finally:
        sandbox.close()


def test_other_steps_are_served_while_one_runs_away():
    sandbox = sandbox_with(cpu_seconds=3)
    outcome = {}

    def run_away():
        try:
            Note(sandbox, script=SLOW_SCRIPT).start()
        except StepLimitExceeded as stopped:
            outcome["stopped"] = stopped.message

    try:
        bomb = threading.Thread(target=run_away)
        bomb.start()
        for _ in range(5):
            note = Note(sandbox)
            assert note.complete(note.start()).completed
        assert bomb.is_alive(), "the harmless steps had to wait for the runaway one"
        bomb.join()
        assert outcome["stopped"].startswith("The script of run_script ran longer than 3 s")
    finally:
        sandbox.close()
