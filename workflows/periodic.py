"""Work repeated in a background thread of a serving process, round after round.

The mail sender and the timers each run one per serving process; both rely on
claims in the database (a message, a policy) rather than on being the only one.
"""
from __future__ import annotations

import threading


class Periodic:
    """Runs ``round()`` in a daemon thread every ``interval`` seconds until ``stop()``.

    A subclass's ``round`` catches and logs its own failures: the thread must outlive
    one bad round, and the next one tries again."""

    thread_name = "policyflow-periodic"

    def __init__(self, interval: float):
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.round()
            self._stop.wait(self._interval)

    def round(self) -> None:
        raise NotImplementedError
