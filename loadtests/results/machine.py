"""What a run records about the machine it ran on and the memory of its server processes."""

from __future__ import annotations

from pydantic import BaseModel


class ProcessMemory(BaseModel):
    pid: int
    name: str
    uss_mib: float
    pss_mib: float
    # Resident set: summed over forked workers it counts shared pages once per worker (the soak
    # watches its growth); 0 in files written before it was recorded.
    rss_mib: float = 0.0


class CpuTopology(BaseModel):
    server_cpus: list[int]
    generator_cpus: list[int]
    shared_cores: list[list[int]]  # (server CPU, generator CPU) pairs that are hyperthread siblings
    overlapping: list[int]  # CPUs given to both

    @property
    def weak_isolation(self) -> bool:
        return bool(self.shared_cores or self.overlapping)


class Machine(BaseModel):
    cpu_model: str
    logical_cpus: int
    memory_gib: float
    python: str
    platform: str
    topology: CpuTopology
