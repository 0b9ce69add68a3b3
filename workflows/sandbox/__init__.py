"""Diagram code runs here: worker processes under operating-system limits.

``pool.Sandbox`` (in the app's processes) hands each step to a worker process
(``worker.serve``) that has a CPU-time limit, an address-space limit and no
files, environment or database; the parent adds a wall-clock timeout. A step
that breaks a limit is refused with a message naming the diagram code that was
running, the worker is replaced, and nothing is saved. The restricted scripting
environment (``workflows.scripting``) stays the first wall; this is the second.

May use: the engine (whose steps it runs) and ``workflows.errors``; the policy
domain and the studio hand it their steps.
"""
from workflows.sandbox.limits import StepLimits
from workflows.sandbox.pool import Sandbox, StepLimitExceeded, shared_sandbox

__all__ = ["Sandbox", "StepLimitExceeded", "StepLimits", "shared_sandbox"]
