"""`make bench-distributed`'s results: distributed.json, an array of Locust runs, single-process
and distributed alternating."""

from __future__ import annotations

import statistics

from pydantic import BaseModel, RootModel

WORKERS = 2  # distributed runs: a Locust worker on each of this many test hosts
AGREEMENT = 0.10


class LocustRun(BaseModel):
    mode: str  # "single" or "distributed"
    requests: int
    failures: int
    rps: float
    p50_ms: float
    p99_ms: float


class DistributedRuns(RootModel[list[LocustRun]]):
    def ratio(self) -> float:
        """Distributed ÷ single, of the mean req/s."""
        single = [r.rps for r in self.root if r.mode == "single"]
        distributed = [r.rps for r in self.root if r.mode == "distributed"]
        return statistics.mean(distributed) / statistics.mean(single)

    def agree(self) -> bool:
        """Within ±AGREEMENT, with every run clean (requests, no failure)."""
        clean = all(r.failures == 0 and r.requests for r in self.root)
        return clean and abs(self.ratio() - 1) <= AGREEMENT
