"""The app side of the sandbox: a small pool of worker processes, replaced when they break a limit.

Each app process (each gunicorn worker, each test run) has its own pool per set
of limits, started lazily. A worker is a fresh interpreter (``python -m
workflows.sandbox.worker``), not a fork: it shares no memory, locks or open
connections with the app, and never re-runs the app's main script. It talks over
a socket pair and writes what it is running into a small shared memory page. A step takes an idle worker (or starts one, up to
``limits.processes``, or waits for one), sends it the version's files the first
time that worker sees the version, and waits at most ``limits.wall_seconds`` for
the answer. A worker that times out is killed; one the kernel stopped (CPU or
memory) is gone; either way the step fails with a message naming the diagram
code that was running, and the next step gets a fresh worker. Other steps keep
being served by the other workers meanwhile.
"""
from __future__ import annotations

import atexit
import json
import mmap
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from multiprocessing.connection import Connection
from typing import Callable

from workflows.errors import Conflict, NotFound, WorkflowFailure
from workflows.sandbox.limits import StepLimits
from workflows.sandbox.worker import LABEL_BYTES, MEMORY_EXIT, read_label

_ERRORS = {"Conflict": Conflict, "NotFound": NotFound}


class StepLimitExceeded(WorkflowFailure):
    """Diagram code used more time or memory than a step may; nothing was saved."""


class _Worker:
    def __init__(self, limits: StepLimits):
        label_fd = os.memfd_create("policyflow-sandbox-label")
        os.ftruncate(label_fd, LABEL_BYTES)
        self.label = mmap.mmap(label_fd, LABEL_BYTES)
        ours, theirs = socket.socketpair()
        # Only what it needs to import the engine: no database URL, no secret key.
        environment = {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "workflows.sandbox", str(theirs.fileno()), str(label_fd),
                 json.dumps(asdict(limits))],
                pass_fds=(theirs.fileno(), label_fd), env=environment, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL)
        finally:
            theirs.close()
            os.close(label_fd)
        self.connection = Connection(ours.detach())
        self.known: set[str] = set()

    def running(self) -> str:
        return read_label(self.label)[1] or "the step"

    def running_element(self) -> str | None:
        return read_label(self.label)[0]

    def exit_code(self) -> int | None:
        try:
            return self.process.wait(2)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.connection.close()
        self.label.close()


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


class Sandbox:
    def __init__(self, limits: StepLimits | None = None):
        self.limits = limits or StepLimits()
        self._idle: list[_Worker] = []
        self._started = 0
        self._available = threading.Condition()
        self._pid = os.getpid()
        #: Told of each step (operation, seconds, whether its worker was replaced): the app's metrics.
        self.observer = None

    def run(self, operation: str, version_key: str, files: Callable[[], dict], **arguments):
        """Run one engine step in a worker; ``files()`` gives the version's files if it needs them."""
        worker = self._acquire()
        healthy = False
        started = time.perf_counter()
        try:
            reply = self._call(worker, operation, version_key, files, arguments)
            healthy = reply[0] != "memory"
            return self._answer(reply, worker)
        finally:
            self._release(worker, healthy)
            if self.observer is not None:
                self.observer.step(operation, time.perf_counter() - started, replaced=not healthy)

    def ping(self, timeout: float = 2.0) -> bool:
        """Whether a worker answers within ``timeout`` (one is started if none runs yet). When
        every worker is busy with a step, they are answering steps: that counts as yes."""
        with self._available:
            self._forget_parents_workers()
            if not self._idle and self._started >= self.limits.processes:
                return True
        worker = self._acquire()
        healthy = False
        try:
            worker.connection.send(("ping", None, None, None))
            healthy = worker.connection.poll(timeout) and worker.connection.recv() == ("ok", "pong")
            return healthy
        except (EOFError, OSError):
            return False
        finally:
            self._release(worker, healthy)

    def warm(self) -> None:
        """Start a worker now, in the background, so the first step does not wait for one
        (more start when steps overlap)."""
        def start() -> None:
            with self._available:
                self._forget_parents_workers()
                if self._started >= self.limits.processes:
                    return
                self._started += 1
            try:
                worker = _Worker(self.limits)
            except OSError:
                with self._available:
                    self._started -= 1
                return
            self._release(worker, healthy=True)

        threading.Thread(target=start, name="sandbox-warm-up", daemon=True).start()

    def _call(self, worker: _Worker, operation, version_key, files, arguments) -> tuple:
        sent_files = None if version_key in worker.known else files()
        worker.connection.send((operation, version_key, sent_files, arguments))
        worker.known.add(version_key)
        if not worker.connection.poll(self.limits.wall_seconds):
            what, element = worker.running(), worker.running_element()
            worker.stop()
            raise StepLimitExceeded(f"{_sentence(what)} did not finish within {self.limits.wall_seconds:g} s; "
                                    "nothing was saved. A process designer needs to look at the diagram.", element)
        try:
            return worker.connection.recv()
        except (EOFError, OSError):
            raise self._stopped(worker) from None

    def _stopped(self, worker: _Worker) -> StepLimitExceeded:
        what, code = _sentence(worker.running()), worker.exit_code()
        if code == -signal.SIGXCPU:
            reason = f"ran longer than {self.limits.cpu_seconds} s"
        elif code == MEMORY_EXIT:
            reason = f"needed more than {self.limits.memory_mb} MB of memory"
        else:
            reason = f"stopped the diagram worker (exit code {code})"
        return StepLimitExceeded(f"{what} {reason}; nothing was saved. "
                                 "A process designer needs to look at the diagram.", worker.running_element())

    def _answer(self, reply: tuple, worker: _Worker):
        if reply[0] == "ok":
            return reply[1]
        if reply[0] == "memory":
            raise StepLimitExceeded(f"{_sentence(worker.running())} needed more than {self.limits.memory_mb} MB "
                                    "of memory; nothing was saved. A process designer needs to look at the diagram.",
                                    worker.running_element())
        _status, kind, message, element = reply
        if kind in _ERRORS:
            raise _ERRORS[kind](message)
        raise WorkflowFailure(message, element)

    def _acquire(self) -> _Worker:
        with self._available:
            self._forget_parents_workers()
            while not self._idle and self._started >= self.limits.processes:
                self._available.wait()
            if self._idle:
                return self._idle.pop()
            self._started += 1
        try:
            return _Worker(self.limits)
        except BaseException:
            with self._available:
                self._started -= 1
                self._available.notify()
            raise

    def _forget_parents_workers(self) -> None:
        """In a forked copy of the app (a gunicorn worker), the workers counted so far are the
        parent's: start counting this process's own (called with ``_available`` held)."""
        if os.getpid() != self._pid:
            self._idle, self._started, self._pid = [], 0, os.getpid()

    def _release(self, worker: _Worker, healthy: bool) -> None:
        if not healthy:
            worker.stop()
        with self._available:
            if healthy:
                self._idle.append(worker)
            else:
                self._started -= 1
            self._available.notify()

    def close(self) -> None:
        with self._available:
            idle, self._idle = self._idle, []
            self._started -= len(idle)
        for worker in idle:
            worker.stop()


_SHARED: dict[StepLimits, Sandbox] = {}
_SHARED_LOCK = threading.Lock()


@atexit.register
def _close_shared() -> None:
    for sandbox in _SHARED.values():
        sandbox.close()


def shared_sandbox(limits: StepLimits) -> Sandbox:
    """The process's pool for ``limits`` (services built in one process share their workers)."""
    with _SHARED_LOCK:
        if limits not in _SHARED:
            _SHARED[limits] = Sandbox(limits)
        return _SHARED[limits]
