"""The app side of the sandbox: a small pool of worker processes, replaced when they break a limit.

Each app process (each gunicorn worker, each test run) has its own pool per set
of limits, started lazily. A step takes an idle worker (or starts one, up to
``limits.processes``, or waits for one), sends it the version's files the first
time that worker sees the version, and waits at most ``limits.wall_seconds`` for
the answer. A worker that times out is killed; one the kernel stopped (CPU or
memory) is gone; either way the step fails with a message naming the diagram
code that was running, and the next step gets a fresh worker. Other steps keep
being served by the other workers meanwhile.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from typing import Callable

from ..errors import Conflict, NotFound, WorkflowFailure
from . import worker as worker_module
from .limits import StepLimits

_ERRORS = {"Conflict": Conflict, "NotFound": NotFound}
_LABEL_BYTES = 512


class StepLimitExceeded(WorkflowFailure):
    """Diagram code used more time or memory than a step may; nothing was saved."""


def _context():
    context = multiprocessing.get_context("forkserver")
    # Workers fork from a server that has already imported the engine: a new one starts in milliseconds.
    context.set_forkserver_preload([worker_module.__name__])
    return context


class _Worker:
    def __init__(self, context, limits: StepLimits):
        self.label = context.RawArray("c", _LABEL_BYTES)
        self.connection, theirs = context.Pipe()
        self.process = context.Process(target=worker_module.serve, args=(theirs, self.label, limits),
                                       daemon=True, name="policyflow-sandbox")
        self.process.start()
        theirs.close()
        self.known: set[str] = set()

    def running(self) -> str:
        return self.label.value.decode("utf-8", "replace") or "the step"

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(2)
        self.connection.close()


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


class Sandbox:
    def __init__(self, limits: StepLimits | None = None):
        self.limits = limits or StepLimits()
        self._context = _context()
        self._idle: list[_Worker] = []
        self._started = 0
        self._available = threading.Condition()
        self._pid = os.getpid()

    def run(self, operation: str, version_key: str, files: Callable[[], dict], **arguments):
        """Run one engine step in a worker; ``files()`` gives the version's files if it needs them."""
        worker = self._acquire()
        healthy = False
        try:
            reply = self._call(worker, operation, version_key, files, arguments)
            healthy = reply[0] != "memory"
        finally:
            self._release(worker, healthy)
        return self._answer(reply, worker)

    def _call(self, worker: _Worker, operation, version_key, files, arguments) -> tuple:
        sent_files = None if version_key in worker.known else files()
        worker.connection.send((operation, version_key, sent_files, arguments))
        worker.known.add(version_key)
        if not worker.connection.poll(self.limits.wall_seconds):
            what = worker.running()
            worker.stop()
            raise StepLimitExceeded(f"{_sentence(what)} did not finish within {self.limits.wall_seconds:g} s; "
                                    "nothing was saved. A process designer needs to look at the diagram.")
        try:
            return worker.connection.recv()
        except (EOFError, OSError):
            worker.process.join(2)
            raise self._stopped(worker) from None

    def _stopped(self, worker: _Worker) -> StepLimitExceeded:
        what, code = _sentence(worker.running()), worker.process.exitcode
        if code == -signal.SIGXCPU:
            reason = f"ran longer than {self.limits.cpu_seconds} s"
        elif code == worker_module.MEMORY_EXIT:
            reason = f"needed more than {self.limits.memory_mb} MB of memory"
        else:
            reason = f"stopped the diagram worker (exit code {code})"
        return StepLimitExceeded(f"{what} {reason}; nothing was saved. "
                                 "A process designer needs to look at the diagram.")

    def _answer(self, reply: tuple, worker: _Worker):
        if reply[0] == "ok":
            return reply[1]
        if reply[0] == "memory":
            raise StepLimitExceeded(f"{_sentence(worker.running())} needed more than {self.limits.memory_mb} MB "
                                    "of memory; nothing was saved. A process designer needs to look at the diagram.")
        _status, kind, message = reply
        raise _ERRORS.get(kind, WorkflowFailure)(message)

    def _acquire(self) -> _Worker:
        with self._available:
            if os.getpid() != self._pid:  # a forked copy of the app: those workers belong to the parent
                self._idle, self._started, self._pid = [], 0, os.getpid()
            while not self._idle and self._started >= self.limits.processes:
                self._available.wait()
            if self._idle:
                return self._idle.pop()
            self._started += 1
        try:
            return _Worker(self._context, self.limits)
        except BaseException:
            with self._available:
                self._started -= 1
                self._available.notify()
            raise

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


def shared_sandbox(limits: StepLimits) -> Sandbox:
    """The process's pool for ``limits`` (services built in one process share their workers)."""
    with _SHARED_LOCK:
        if limits not in _SHARED:
            _SHARED[limits] = Sandbox(limits)
        return _SHARED[limits]
