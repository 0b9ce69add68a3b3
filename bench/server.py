"""A real ``policyflow serve`` (gunicorn) on a free port, and the memory its processes hold."""
from __future__ import annotations

import os
import subprocess

from tests.served import ServedApp


class Server(ServedApp):
    """The served app, started at once, with the memory its processes hold."""

    def __init__(self, url: str, folder: str, workers: int = os.cpu_count() or 2):
        super().__init__(url, folder, workers)
        self.start()

    def memory(self) -> list[dict]:
        """Memory (MB) of each gunicorn worker: its RSS, and with the sandbox processes it
        started both as summed RSS and as PSS (pages shared between processes counted once)."""
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
                 "with_sandboxes_pss_mb": sum(_pss_kb(p) for p in [w, *descendants(w)]) / 1024,
                 "sandbox_processes": len(descendants(w))} for w in workers]


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            return next(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
    except (OSError, StopIteration):
        return 0
