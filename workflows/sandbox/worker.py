"""The worker process: confine itself, then run engine steps one at a time.

It is started as ``python -m workflows.sandbox SOCKET_FD LABEL_FD LIMITS``
by the pool, and receives (operation, version key, files or None, arguments) and answers
("ok", StepResult) or ("error", kind, message). Before each step it moves its
CPU-time limit to "now + the step's allowance"; the kernel stops it with SIGXCPU
past that. Its address space is capped once, at start, above what it needs at
rest. It has no environment (no database URL or secret key) and no output files.
Each piece of diagram code writes its name, and the id of the element it belongs to,
into shared memory before it runs, so the parent can say what was running, and where,
if the kernel stops the worker. A failure's reply carries that element too.
"""
from __future__ import annotations

import json
import math
import mmap
import os
import resource
import sys
from collections import OrderedDict
from multiprocessing.connection import Connection

from workflows.engine.specs import bundle_from_files
from workflows.engine.steps import WorkflowEngine
from workflows.errors import PolicyflowError
from workflows.sandbox.limits import StepLimits

OPERATIONS = ("start", "complete", "fire_due_timers", "send_event", "dry_run", "migrate")
_BUNDLES_KEPT = 16
MEMORY_EXIT = 3
LABEL_BYTES = 512
#: Between the element id and the words in the shared label (ids are XML names: never this character).
LABEL_SEPARATOR = "\x1f"


def _address_space_now() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _confine(limits) -> None:
    os.environ.clear()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    ceiling = _address_space_now() + limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))


def _arm_cpu_limit(seconds: int) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = math.ceil(usage.ru_utime + usage.ru_stime + seconds)
    resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def _caused_by_memory(error: BaseException) -> bool:
    while error is not None:
        if isinstance(error, MemoryError):
            return True
        error = error.__cause__ or error.__context__ or getattr(error, "error", None)
    return False


def serve(connection, label: mmap.mmap, limits) -> None:
    """Run steps until the app process closes the connection."""
    _confine(limits)

    def write_label(text: str, element: str | None) -> None:
        page = f"{element or ''}{LABEL_SEPARATOR}{text}"
        label[:LABEL_BYTES] = page.encode("utf-8", "replace")[:LABEL_BYTES - 1].ljust(LABEL_BYTES, b"\0")

    engine = WorkflowEngine(limits.engine, on_code=write_label)
    bundles: OrderedDict = OrderedDict()
    while True:
        try:
            operation, key, files, arguments = connection.recv()
        except (EOFError, OSError):
            return
        if operation == "ping":  # the app asks whether this worker still answers (readiness)
            connection.send(("ok", "pong"))
            continue
        write_label("", None)
        _arm_cpu_limit(limits.cpu_seconds)
        try:
            if operation not in OPERATIONS:
                raise ValueError(f"unknown operation {operation}")
            if key not in bundles:
                bundles[key] = bundle_from_files(files)
                if len(bundles) > _BUNDLES_KEPT:
                    bundles.popitem(last=False)
            reply = ("ok", getattr(engine, operation)(bundles[key], **arguments))
        except BaseException as error:  # noqa: BLE001 - every failure of diagram code is reported, none kills the app
            if _caused_by_memory(error):
                connection.send(("memory",))
                os._exit(MEMORY_EXIT)  # the heap may be half-built: a fresh worker takes over
            if isinstance(error, PolicyflowError):
                reply = ("error", type(error).__name__, error.message, getattr(error, "element", None))
            else:
                element, where = read_label(label)
                reply = ("error", "WorkflowFailure",
                         f"The process could not continue ({where or 'a step'}): {type(error).__name__}: {error}",
                         element)
        connection.send(reply)


def read_label(label: mmap.mmap) -> tuple[str | None, str]:
    """(the element whose code runs, what runs in words) from the shared label."""
    page = label[:].split(b"\0", 1)[0].decode("utf-8", "replace")
    element, _separator, text = page.partition(LABEL_SEPARATOR)
    return element or None, text


def main() -> None:
    socket_fd, label_fd, limits = int(sys.argv[1]), int(sys.argv[2]), StepLimits(**json.loads(sys.argv[3]))
    label = mmap.mmap(label_fd, LABEL_BYTES)
    os.close(label_fd)
    serve(Connection(socket_fd), label, limits)
