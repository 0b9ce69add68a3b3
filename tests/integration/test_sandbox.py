"""The second wall: diagram code runs in worker processes the operating system stops.

Each bomb here passes the restricted environment's own checks (every run of diagram
code stays within its loop and allocation budget, about a tenth of a second) and is
still too costly: the diagram runs that code hundreds of times in one step, round an
automatic loop. The kernel's CPU limit, the address-space limit or the parent's
wall-clock timeout stops it; the person is told which diagram code ran too long; the
worker is replaced; other steps go on meanwhile.
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest

from tests.diagrams import looping_process, note_bundle_files, note_process
from workflows.engine.specs import load_bundle
from workflows.errors import WorkflowFailure
from workflows.sandbox import Sandbox, StepLimitExceeded, StepLimits

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
#: Each about 0.1 s, which the restricted environment allows; the loop runs them up to 500 times in a step.
SLOW_CONDITION = "sum(i * i for i in range(99999)) > 0"
SLOW_SCRIPT = "total = 0\nfor i in range(99999):\n    total = total + i * i"
#: About 30 MB in 30 lists, which the restricted environment allows.
BIG_SCRIPT = "numbers = list(range(100000))\nrows = [list(numbers) for i in range(30)]\nrows = []"


class Note:
    """A note diagram in a sandbox: start it, then complete its note task."""

    def __init__(self, sandbox: Sandbox, diagram: str | None = None, **code):
        self.sandbox = sandbox
        self.bundle = load_bundle(*note_bundle_files(diagram or note_process(**code)))

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


@pytest.mark.parametrize("script, condition, culprit, element", [
    ("n = 1", SLOW_CONDITION, "The condition on flow flow_again", "flow_again"),
    (SLOW_SCRIPT, "True", "The script of run_script", "run_script"),
], ids=["gateway condition", "script task"])
def test_code_over_its_cpu_time_is_stopped_and_named(quick, script, condition, culprit, element):
    with pytest.raises(StepLimitExceeded) as stopped:
        Note(quick, looping_process(script, condition)).start()
    assert stopped.value.message.startswith(f"{culprit} ran longer than 1 s; nothing was saved.")
    assert stopped.value.element == element  # what the studio marks on the diagram
    # The worker was replaced: a harmless step runs.
    assert Note(quick).complete(Note(quick).start()).completed


#: The two scripts that once ran past every limit of the first wall: hashing them was not charged.
HASHING_BOMBS = {
    "a dict keyed by a 64-level nested tuple": "t = (1,)\nfor i in range(64):\n    t = (t, t)\nd = {t: 1}",
    "a dict comprehension over a 100,000-item tuple key": "k = tuple(range(100000))\nd = {k: i for i in range(100000)}",
}


@pytest.mark.parametrize("script", list(HASHING_BOMBS.values()), ids=list(HASHING_BOMBS))
def test_hashing_bombs_are_refused_by_the_first_wall_within_the_cpu_limit(script):
    """Refused with the restricted environment's own message (what to change), not stopped by the kernel."""
    sandbox = sandbox_with(cpu_seconds=StepLimits().cpu_seconds)
    try:
        with pytest.raises(WorkflowFailure) as refused:
            Note(sandbox, script=script).start()
        assert not isinstance(refused.value, StepLimitExceeded), refused.value.message
        assert refused.value.message.startswith("The process could not continue at run_script: ")
        assert refused.value.element == "run_script"
        assert "dict keys and set members" in refused.value.message
    finally:
        sandbox.close()


def test_code_over_its_memory_is_stopped_and_named():
    sandbox = sandbox_with(memory_mb=16, cpu_seconds=5)
    try:
        with pytest.raises(StepLimitExceeded, match="^The script of run_script needed more than 16 MB of memory") \
                as stopped:
            Note(sandbox, script=BIG_SCRIPT).start()
        assert stopped.value.element == "run_script"
        assert Note(sandbox).start().ready  # a fresh worker took over
    finally:
        sandbox.close()


def test_the_wall_clock_stops_what_the_cpu_limit_would_let_run_on():
    sandbox = sandbox_with(cpu_seconds=60, wall_seconds=3)
    try:
        assert Note(sandbox).start().ready  # the worker is up: its start-up does not eat into the step's time
        with pytest.raises(StepLimitExceeded, match="^The condition on flow flow_again did not finish within 3 s") \
                as stopped:
            Note(sandbox, looping_process("n = 1", SLOW_CONDITION)).start()
        assert stopped.value.element == "flow_again"
        assert Note(sandbox).start().ready
    finally:
        sandbox.close()


def test_other_steps_are_served_while_one_runs_away():
    sandbox = sandbox_with(cpu_seconds=3)
    outcome = {}

    def run_away():
        try:
            Note(sandbox, looping_process(SLOW_SCRIPT, "True")).start()
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
