"""A real ``policyflow serve`` (gunicorn) on a free port, and the memory its processes hold."""
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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, url: str, folder: str, workers: int = os.cpu_count() or 2):
        self.port = _free_port()
        environment = {**os.environ, "POLICYFLOW_DATABASE_URL": url, "POLICYFLOW_SECRET_KEY": "bench",
                       "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "webapp.cli", "serve", "--port", str(self.port), "--workers", str(workers)],
            cwd=folder, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/published", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def memory(self) -> list[dict]:
        """RSS (MB) of each gunicorn worker, alone and with the sandbox processes it started."""
        table = {}
        for line in subprocess.run(["ps", "-eo", "pid=,ppid=,rss="], capture_output=True, text=True).stdout.splitlines():
            pid, ppid, rss = (int(field) for field in line.split())
            table[pid] = (ppid, rss)

        def descendants(root: int) -> list[int]:
            found = [pid for pid, (ppid, _rss) in table.items() if ppid == root]
            return found + [d for pid in found for d in descendants(pid)]

        workers = [pid for pid, (ppid, _rss) in table.items() if ppid == self.process.pid]
        return [{"worker_mb": table[w][1] / 1024,
                 "with_sandboxes_mb": sum(table[p][1] for p in [w, *descendants(w)]) / 1024,
                 "sandbox_processes": len(descendants(w))} for w in workers]
