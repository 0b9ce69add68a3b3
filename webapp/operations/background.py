"""Background work of a serving process: due timers (and reminders) without cron."""
from __future__ import annotations

from webapp.config import timer_interval
from workflows.operations.background import BackgroundTimers


def start_timers(app) -> BackgroundTimers:
    """Start this process's timer thread (each serving process may run one, e.g. each gunicorn
    worker after forking: policies are claimed before their timers fire, so each fires once)."""
    services = app.extensions["policyflow"]
    return BackgroundTimers(services.commands, services.reminders, timer_interval()).start()
