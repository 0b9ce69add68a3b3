"""Due timers fired by a background thread of each serving process: no cron needed.

Every ``interval`` seconds the thread fires the timers that are due (consultation
deadlines, review openings, early reviews) and queues due reminders. Every
serving process runs one; a policy's timers are claimed before they fire
(``timer_claims``) and each reminder is raised by a conditional update, so
several threads, processes or machines on one database fire each once. A round
that fails is logged and the next one tries again.
"""
from __future__ import annotations

import logging

from workflows.periodic import Periodic

log = logging.getLogger(__name__)
DEFAULT_INTERVAL_SECONDS = 60.0


class BackgroundTimers(Periodic):
    thread_name = "policyflow-timers"

    def __init__(self, commands, reminders, interval: float = DEFAULT_INTERVAL_SECONDS, on_round=None):
        super().__init__(interval)
        self._commands, self._reminders = commands, reminders
        self._on_round = on_round  # told how many policies advanced (metrics)

    def round(self) -> None:
        try:
            fired = self._commands.fire_due_timers()
            for policy_id, elements in fired:
                log.info("Timers: policy %s: %s", policy_id, ", ".join(elements))
            self._reminders.queue_due()
            if self._on_round is not None:
                self._on_round(len(fired))
        except Exception:  # noqa: BLE001 - the thread must outlive one bad round; the next one tries again
            log.exception("Timers: this round failed; retrying in %s s", self._interval)
