"""Run every benchmark and print the figures the README shows (``make bench``).

POLICYFLOW_BENCH_QUICK=1 runs smaller sizes (for trying the benchmark itself).
Run it on a quiet machine: the figures are wall-clock throughput.
"""
from __future__ import annotations

import os
import tempfile

from . import check, completions, floor, history, inbox, isolation
from .common import database
from .server import Server

QUICK = bool(os.environ.get("POLICYFLOW_BENCH_QUICK"))
POLICIES_PER_CLIENT = 6 if QUICK else 30
INBOX_SIZES = (100, 1_000) if QUICK else (100, 10_000)
CYCLES = 5 if QUICK else 20


def _line(*cells) -> None:
    print("| " + " | ".join(str(cell) for cell in cells) + " |", flush=True)


def main() -> None:
    plain = floor.measure(10 if QUICK else 40)
    print(f"Plain SpiffWorkflow floor (load → complete → save, one core): {plain['per_second']:.0f} completions/s "
          f"(median step {plain['median_ms']:.2f} ms)", flush=True)
    cost = isolation.measure(10 if QUICK else 30)
    print(f"One engine step in the app's process: median {cost['in_process_ms']:.2f} ms; in a sandbox worker: "
          f"{cost['sandboxed_ms']:.2f} ms (isolation adds {cost['sandboxed_ms'] - cost['in_process_ms']:.2f} ms)\n",
          flush=True)
    studio = check.measure(3 if QUICK else 9)
    print(f"Studio check of the default bundle (POST /api/v1/processes/check): median {studio['check_s']:.2f} s "
          f"({studio['routes']} routes, the same each time); without the dry run {studio['without_dry_run_s']:.2f} s; "
          f"deploying identical files refused in {studio['identical_deploy_s']:.3f} s\n", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        _line("database", "layer", "clients", "completions/s", "submit median ms", "submit p95 ms", "vs floor")
        _line(*["---"] * 7)
        memory = []
        for kind in ("sqlite", "postgres"):
            for clients in (1, 4):
                with database(kind, folder) as url:
                    result = completions.service_level(url, clients, POLICIES_PER_CLIENT)
                _line(kind, "service", clients, f"{result['per_second']:.0f}", f"{result['submit_median_ms']:.1f}",
                      f"{result['submit_p95_ms']:.1f}", f"{result['per_second'] / plain['per_second']:.2f}")
                with database(kind, folder) as url:
                    result, used = completions.http_level(url, clients, POLICIES_PER_CLIENT,
                                                          lambda url=url: Server(url, folder))
                if clients == 4:
                    memory.extend(used)
                _line(kind, "HTTP", clients, f"{result['per_second']:.0f}", f"{result['submit_median_ms']:.1f}",
                      f"{result['submit_p95_ms']:.1f}", f"{result['per_second'] / plain['per_second']:.2f}")

        print("\nMemory after the 4-client HTTP runs, per gunicorn worker:")
        for row in memory:
            print(f"  worker RSS {row['worker_mb']:.0f} MB; with its {row['sandbox_processes']} sandbox processes "
                  f"RSS {row['with_sandboxes_mb']:.0f} MB summed, PSS {row['with_sandboxes_pss_mb']:.0f} MB")

        print()
        _line("database", "policies", "inbox (service) median ms", "inbox (HTTP) median ms")
        _line(*["---"] * 4)
        for kind in ("sqlite", "postgres"):
            with database(kind, folder) as url:
                for row in inbox.measure(url, lambda url=url: Server(url, folder), INBOX_SIZES):
                    _line(kind, f"{row['policies']:,}", f"{row['service_ms']:.2f}", f"{row['http_ms']:.2f}")

        print()
        _line("database", "cycle", "completion median ms", "stored state KiB")
        _line(*["---"] * 4)
        for kind in ("sqlite", "postgres"):
            with database(kind, folder) as url:
                forms, _groups = completions.prepare(url, 0, 0)
            with database(kind, folder) as url:
                rows = history.measure(url, forms, CYCLES)
            for row in (rows[0], rows[-1]):
                _line(kind, row["cycle"], f"{row['median_ms']:.1f}", f"{row['state_bytes'] / 1024:.1f}")


if __name__ == "__main__":
    main()
