"""How much a step of diagram code may use, with defaults for a small 2-core server."""
from __future__ import annotations

from dataclasses import dataclass

from workflows.engine.steps import EngineLimits


@dataclass(frozen=True)
class StepLimits:
    cpu_seconds: int = 2            # CPU time per step, enforced by the kernel (RLIMIT_CPU)
    memory_mb: int = 256            # address space a step may add to a worker (RLIMIT_AS)
    wall_seconds: float = 5.0       # the parent gives up on a step after this long
    max_data_bytes: int = 1_000_000  # a policy's stored data
    max_instances: int = 500        # instances one multi-instance activity may create
    processes: int = 2              # worker processes per app process

    @property
    def engine(self) -> EngineLimits:
        return EngineLimits(max_instances=self.max_instances, max_data_bytes=self.max_data_bytes)
