"""`make bench ARGS="--db-rtt-ms …"`'s results: a full benchmark run per database round-trip time."""

from __future__ import annotations

from pydantic import BaseModel

from loadtests.results.bench import Results


class RttRun(BaseModel):
    rtt_ms: float
    method: str
    relay_cpu_seconds: float
    results: Results
