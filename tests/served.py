"""``policyflow serve`` (gunicorn, several worker processes) as a real server on a free port.

Started in a session of its own, so a test can kill the whole server at once — master,
workers and their sandbox processes — as a power cut would.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServedApp:
    def __init__(self, url: str, folder: str | Path, workers: int = 2, port: int | None = None,
                 environment: dict | None = None):
        self.url, self.folder, self.workers = url, str(folder), workers
        self.environment = environment or {}
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> "ServedApp":
        environment = {**os.environ, "POLICYFLOW_DATABASE_URL": self.url, "POLICYFLOW_SECRET_KEY": "served-app",
                       "PYTHONPATH": str(ROOT), **self.environment}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "webapp.cli", "serve", "--port", str(self.port), "--workers", str(self.workers)],
            cwd=self.folder, env=environment, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/published", timeout=2).read()
                return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"policyflow serve did not start on port {self.port}")

    def kill(self) -> None:
        """SIGKILL to every process of the server at once: nothing gets to clean up."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process is not None:
            try:  # what the server started and left behind, if anything
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
