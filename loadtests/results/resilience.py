"""The resilience results as pydantic models: `ResilienceResults` IS the schema of
resilience.json (and `SoakResults` of soak.json)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from loadtests.results.machine import Machine

SCHEMA_VERSION: Literal[1] = 1
FAULTS = ("shutdown", "outage", "pool", "overload", "slow_clients")
FAULT_TITLES = {
    "shutdown": "graceful shutdown",
    "outage": "database outage",
    "pool": "pool exhaustion",
    "overload": "overload (2× capacity)",
    "slow_clients": "slow clients",
    "soak": "soak",
}


class FaultResult(BaseModel):
    passed: bool | None = Field(description="None: the fault does not apply, or could not run")
    cell: str = Field(description="the outcome in a few words, for the matrix")
    bound: str = Field(description="the pass criterion and its bound")
    notes: list[str] = []
    load_average_1m: float | None = Field(
        default=None, description="the machine's 1-minute load average as the fault ended (shared CPUs)"
    )


class Shutdown(FaultResult):
    clients: int
    sent_before_signal: int
    lost: int = Field(description="sent before SIGTERM, no complete answer")
    lost_by_reason: dict[str, int]
    non_2xx_before_signal: dict[str, int] = Field(description="complete answers that were not 2xx")
    answered_after_signal: int = Field(description="requests sent before the signal, answered after it")
    exit_seconds: float | None = Field(description="SIGTERM to the master's exit; None: killed at the bound")
    exit_code: int | None


class Outage(FaultResult):
    hold_seconds: float
    answer_bound_seconds: float
    during: int = Field(description="requests started while the database was down")
    during_503: int = Field(description="… answered 503 service_unavailable in the contract's format")
    during_other: dict[str, int] = Field(description="… anything else, by status or failure")
    slowest_answer_seconds: float | None
    over_bound: int = Field(description="answers (or no answers) slower than the bound")
    other_5xx_whole_run: dict[str, int]
    recovery_seconds: float | None = Field(description="database back → first 2xx; None: never")
    orders_answered_201: int
    orders_in_database: int
    orders_without_items: int
    stock_mismatches: int = Field(description="products whose stock + ordered quantity ≠ initial stock")


class Pool(FaultResult):
    pool_connections: int
    pool_timeout_seconds: float
    held: int = Field(description="order requests blocked on a locked row, each holding a connection")
    probes: int
    probes_503: int
    probe_other: dict[str, int]
    slowest_probe_seconds: float | None
    held_answers: dict[str, int] = Field(description="the held requests' answers once the lock went")


class Window(BaseModel):
    start_seconds: float = Field(description="after the overload ended")
    requests: int
    failed: int
    p99_ms: float


class Overload(FaultResult):
    capacity_rps: float | None
    capacity_source: str
    offered_rps: float
    seconds: float
    requests: int
    errors: dict[str, int]
    p50_ms: float
    p99_ms: float
    after_rps: float
    slo_p99_ms: float
    windows: list[Window]
    recovery_seconds: float | None = Field(
        description="end of overload → start of the first window within the SLO"
    )


class LoadFigures(BaseModel):
    requests: int
    answered_2xx: int
    success_rate: float
    p50_ms: float | None
    p99_ms: float | None
    failures: dict[str, int]


class SlowClients(FaultResult):
    slow_connections: int
    seconds: float
    slow_still_open: int = Field(description="slow connections the server had not closed at the end")
    baseline: LoadFigures
    with_slow: LoadFigures


class Minute(BaseModel):
    index: int
    seconds: float
    requests: int
    failed: int
    dropped: int
    p50_ms: float
    p99_ms: float
    rss_mib: float
    uss_mib: float


class Soak(FaultResult):
    rate_rps: float
    rate_source: str
    slice_seconds: float
    slices: list[Minute]
    errors: int = Field(description="failed requests plus dropped arrivals")
    failed: int = Field(description="requests k6 counted failed: no answer, or not 2xx/3xx")
    dropped: int = Field(description="arrivals k6 had no free user for: the server fell behind by > 1 s")
    rss_growth_percent: float
    uss_growth_percent: float
    p99_drift_ms: float = Field(description="last slice's p99 minus the first's")


class ServerResilience(BaseModel):
    server: str
    label: str
    front_end: str
    shutdown: Shutdown | None = None
    outage: Outage | None = None
    pool: Pool | None = None
    overload: Overload | None = None
    slow_clients: SlowClients | None = None
    soak: Soak | None = None
    errors: dict[str, str] = Field(default={}, description="faults that could not run, and why")


class ResilienceResults(BaseModel):
    schema_version: Literal[1] = SCHEMA_VERSION
    kind: Literal["resilience", "soak"]
    started_at: datetime
    finished_at: datetime
    profile: str
    faults: list[str]
    machine: Machine
    k6: str | None
    slo_p99_ms: float
    proxy: str | None = Field(
        default=None, description="the reverse proxy every fault's clients went through"
    )
    servers: list[ServerResilience]
