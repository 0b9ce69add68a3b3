"""Serving the app with gunicorn: several worker processes on one database.

One Python process runs on one core at a time, so ``serve`` starts gunicorn
with a worker process per core (threads inside each, for slow clients). The
workers share nothing but the database: every change is a transaction guarded
by the policy's version, so they need no coordination. Each worker builds its
app (and its own pool of diagram-code sandboxes) after gunicorn forks it.
"""
from __future__ import annotations

import os
import tempfile

from gunicorn.app.base import BaseApplication

from webapp import create_app
from webapp.config import mail_interval
from webapp.operations.background import start_timers
from workflows.notifications.background import BackgroundSender


class PolicyflowServer(BaseApplication):
    def __init__(self, options: dict):
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self._options.items():
            self.cfg.set(name, value)

    def load(self):
        app = create_app()
        app.extensions["policyflow"].sandbox.warm()  # the first steps need not wait for sandbox workers
        start_mail_sender(app)  # in each worker: senders claim each message, so none is sent twice
        start_timers(app)  # in each worker too: policies are claimed before their timers fire
        return app


def metrics_folder() -> str:
    """Where the workers write their metrics for /metrics to add up (PROMETHEUS_MULTIPROC_DIR):
    the operator's folder, emptied, or a new one. Set before the app (and prometheus-client) loads."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):  # a previous run's counts would be added to this one's
            if name.endswith(".db"):
                os.unlink(os.path.join(folder, name))
    else:
        folder = tempfile.mkdtemp(prefix="policyflow-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    return folder


def _worker_exited(_server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def serve(host: str, port: int, workers: int, threads: int) -> None:
    PolicyflowServer({
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 60,          # a worker silent this long is replaced (a step's own limit is far lower)
        "graceful_timeout": 20,
        "preload_app": False,   # each worker builds its own app, database pool and sandboxes after the fork
        "accesslog": None,
        "errorlog": "-",
        "proc_name": "policyflow",
        "control_socket_disable": True,  # no runtime control interface: nothing listens but the site
        "child_exit": _worker_exited,  # a replaced worker's live gauges stop counting
    }).run()


def start_mail_sender(app):
    """Start this process's background mail sender (each serving process may run one; see
    workflows/notifications/background.py). Without POLICYFLOW_SMTP_URL mail waits in the outbox."""
    services = app.extensions["policyflow"]
    if not services.mail_settings.smtp_url:
        return None
    return BackgroundSender(services.mail, services.reminders, mail_interval()).start()
