"""The mail sender as a background thread of a web server process.

Every process that serves the app may run one (several gunicorn workers each
start theirs): the outbox is claimed message by message, so they share the work
and never send a message twice. Each round queues due reminders and sends what
is due; a round that fails is logged and the next one tries again.
"""
from __future__ import annotations

import logging

from workflows.notifications.reminders import Reminders
from workflows.notifications.sender import MailSender
from workflows.periodic import Periodic

log = logging.getLogger(__name__)
DEFAULT_INTERVAL_SECONDS = 30.0


class BackgroundSender(Periodic):
    thread_name = "policyflow-mail"

    def __init__(self, sender: MailSender, reminders: Reminders, interval: float = DEFAULT_INTERVAL_SECONDS):
        super().__init__(interval)
        self._sender, self._reminders = sender, reminders

    def round(self) -> None:
        try:
            self._reminders.queue_due()
            report = self._sender.send_due()
            if report.sent or report.failed or report.retrying or report.uncertain:
                log.info("Mail: %s", report)
        except Exception:  # noqa: BLE001 - the thread must outlive one bad round; the next one tries again
            log.exception("Mail: this round of sending failed; retrying in %s s", self._interval)
