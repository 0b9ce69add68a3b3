"""The mail sender as a background thread of a web server process.

Every process that serves the app may run one (several gunicorn workers each
start theirs): the outbox is claimed message by message, so they share the work
and never send a message twice. Each round queues due reminders and sends what
is due; a round that fails is logged and the next one tries again.
"""
from __future__ import annotations

import logging
import threading

from workflows.notifications.reminders import Reminders
from workflows.notifications.sender import MailSender

log = logging.getLogger(__name__)
DEFAULT_INTERVAL_SECONDS = 30.0


class BackgroundSender:
    def __init__(self, sender: MailSender, reminders: Reminders, interval: float = DEFAULT_INTERVAL_SECONDS):
        self._sender, self._reminders, self._interval = sender, reminders, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="policyflow-mail", daemon=True)

    def start(self) -> "BackgroundSender":
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
        try:
            self._reminders.queue_due()
            report = self._sender.send_due()
            if report.sent or report.failed or report.retrying or report.uncertain:
                log.info("Mail: %s", report)
        except Exception:  # noqa: BLE001 - the thread must outlive one bad round; the next one tries again
            log.exception("Mail: this round of sending failed; retrying in %s s", self._interval)
