"""The benchmark's results as one pydantic model: `Results` IS the schema of results.json
(version 3; `load` also reads versions 2 and 1, converting what version 1 held; a file without
a design is analysed as one look at its trials)."""

from __future__ import annotations

import statistics
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, computed_field

from loadtests.config.matrix import CapacityProfile, FrontEnd, Pairing, Profile, ServerConfig, Target
from loadtests.results.machine import Machine, ProcessMemory

SCHEMA_VERSION: Literal[3] = 3
# An interval is NaN when its ratio is undefined in some resamples (a trial of 0 responses on the
# denominator's side): written as NaN, not as JSON's null, so that results.json reads back.
INTERVALS = ConfigDict(ser_json_inf_nan="constants")


def nulls_as_nan(value: Any) -> Any:
    """Files written before INTERVALS hold such an interval as [null, null]."""
    return [float("nan") if v is None else v for v in value] if isinstance(value, list | tuple) else value


Interval = Annotated[tuple[float, float], BeforeValidator(nulls_as_nan)]
Verdict = Literal["fastapi-faster", "flask-faster", "no-difference", "inconclusive"]
# Why a comparison's measuring ended: its interval decided, a cell is flagged (more launches would
# not decide it), the run's budget or launch limit ran out while it was open, it was never a
# target of further launches (a cross-server comparison), or the run had a fixed number of trials
# (a file from before the sequential design).
Stop = Literal["decided", "flagged", "budget-spent", "launch-limit", "not-targeted", "fixed"]
FloorVerdict = Literal["met", "missed", "inconclusive"]


class Latency(BaseModel):
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float


class Second(BaseModel):
    """One second of a trial (from its start): completions and latency."""

    second: int
    successes: int
    failures: int
    p50_ms: float
    p99_ms: float


class Trial(BaseModel):
    index: int = Field(description="position in the run's interleaved schedule")
    launch: int | None = Field(default=None, description="the start of the servers it ran on")
    started_at: float
    window_seconds: float
    successes: int = Field(description="successful responses completed in the window")
    failures: int = Field(description="failed requests completed in the window (never throughput)")
    rps: float = Field(
        description="successful responses ÷ window_seconds, each response credited to the ticks its "
        "request was in flight (load/throughput.spread)"
    )
    latency: Latency = Field(description="of the window's successful responses")
    server_cpu_percent: float = Field(description="mean over the window; 100 = every server CPU busy")
    cpu_ms_per_request: float = Field(description="server CPU time in the window ÷ successes")
    proxy_cpu_percent: float | None = Field(
        default=None, description="behind a proxy: its share of server_cpu_percent (part of it)"
    )
    generator_cpu_percent: float = Field(description="mean over the window; 100 = every generator CPU busy")
    steal_percent: float = Field(description="time stolen by the hypervisor from the pinned CPUs")
    memory: list[ProcessMemory] = Field(description="USS/PSS of each server process after the window")
    timeline: list[Second]
    errors: dict[str, int] = Field(description="failures of the whole run, by error")

    @property
    def uss_mib(self) -> float:
        return sum(p.uss_mib for p in self.memory)

    @property
    def pss_mib(self) -> float:
        return sum(p.pss_mib for p in self.memory)


class Cell(BaseModel):
    """One server, one target (implementation or floor), one scenario: its trials."""

    server: str
    front_end: FrontEnd
    scenario: str
    target: Target
    trials: list[Trial]
    flags: list[str] = []

    @computed_field  # type: ignore[prop-decorator]
    @property
    def rps_median(self) -> float:
        return statistics.median(t.rps for t in self.trials)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def rps_min(self) -> float:
        return min(t.rps for t in self.trials)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def rps_max(self) -> float:
        return max(t.rps for t in self.trials)

    def median(self, value: str) -> float:
        """The median over the trials of a Trial attribute or of a latency percentile."""
        return statistics.median(
            float(getattr(t.latency, value) if value.endswith("_ms") else getattr(t, value))
            for t in self.trials
        )


class Comparison(BaseModel):
    model_config = INTERVALS

    scenario: str
    fastapi_server: str
    flask_server: str
    pairing: Pairing
    differs: str = Field(description="what differs between the two servers besides the framework")
    ratio: float = Field(description="FastAPI ÷ Flask: exp of the mean per-launch log ratio of req/s")
    ci95: Interval = Field(
        description="t-interval over launches at `confidence` (loadtests/stats/intervals.py)"
    )
    verdict: Verdict
    flags: list[str]
    confidence: float = 0.95
    launches: int = Field(default=0, description="launches the interval is drawn from")
    look: int = Field(default=1, description="1: decided at the first look; 2: at the final one")
    stopped: Stop = "fixed"


class FloorShare(BaseModel):
    model_config = INTERVALS

    server: str
    scenario: str
    floor_scenario: str
    share: float
    ci95: Interval
    target: float
    verdict: FloorVerdict
    flags: list[str]
    launches: int = 0


class VariantShare(BaseModel):
    """A server behind nginx (over HTTPS, as more instances) against the server it differs from
    in that alone (ServerConfig.variant_of), measured taking turns with it."""

    model_config = INTERVALS

    server: str
    of: str
    scenario: str
    change: str = Field(description="what the server adds to `of`: nginx, TLS, more instances")
    instances: float = Field(description="its instances ÷ those of `of`: the share perfect scaling gives")
    share: float = Field(description="req/s ÷ `of`'s req/s")
    ci95: Interval
    p99_ratio: float = Field(description="p99 ÷ `of`'s p99 (over 1: slower answers)")
    p99_ci95: Interval
    proxy_cpu_percent: float | None = Field(description="median over trials; 100 = every server CPU")
    flags: list[str]
    launches: int


class ServerRecord(BaseModel):
    config: ServerConfig
    command: dict[Target, list[str]] = {}
    startup_seconds: dict[Target, float] = Field(default={}, description="process start → first 200")
    db_pool_size: int
    threadpool_limit: int
    refused: list[str] | None = None


class GeneratorInfo(BaseModel):
    processes: int
    users: int
    ceiling_rps: float | None = Field(description="Locust against the floor's /hello at the start")
    ceiling_generator_cpu_percent: float | None = None
    ceiling_server: str | None = None


class Design(BaseModel):
    """How the run spent its launches (studies/runner.py), so that `analyse` can replay its looks."""

    aa: bool = Field(default=False, description="every server against a twin of itself")
    first_look_launches: int
    first_look_alpha: float
    final_look_alpha: float
    launches: int = Field(description="launches in all")
    budget_seconds: float
    ended: Literal["all-decided", "budget-spent", "launch-limit"]
    windows: dict[str, float] = Field(description="per scenario, seconds counted for each server of a trial")
    slots: dict[str, list[float]] = Field(
        default={}, description="per scenario, the servers' turns in a trial: [slot, its uncounted start], s"
    )
    orders: list[list[str]] = Field(description="per launch, the servers in the order they were started")


class Thresholds(BaseModel):
    generator_bound_cpu: float = 90.0
    near_ceiling_share: float = 0.70
    saturated_cpu: float = 85.0
    steal_percent: float = 5.0
    # A count is ±1 of its true value; under 50 that is ±2 %, too coarse for the ±5 % band.
    min_responses: int = 50
    no_difference: float = 0.05
    floor_targets: dict[str, float] = {"health": 0.85, "product_by_id": 0.80}


class Results(BaseModel):
    schema_version: Literal[2, 3] = SCHEMA_VERSION
    converted_from_schema: int | None = None
    started_at: datetime
    finished_at: datetime
    profile_name: str
    profile: Profile
    database: str
    seed: dict[str, int]
    machine: Machine
    packages: dict[str, str]
    # The code measured: `git describe --always --dirty` of the checkout (None: not a checkout,
    # or a run from before it was recorded).
    revision: str | None = None
    generator: GeneratorInfo
    thresholds: Thresholds = Thresholds()
    schedule: list[str] = Field(default=[], description="the interleaved order of one round of trials")
    servers: dict[str, ServerRecord]
    design: Design | None = None
    cells: list[Cell]
    comparisons: list[Comparison] = []
    floor_shares: list[FloorShare] = []
    variant_shares: list[VariantShare] = []

    def write(self, path: Path) -> None:
        path.write_text(self.model_dump_json(indent=1))


# `make capacity` (loadtests/studies/capacity.py): capacity.json.
class K6Step(BaseModel):
    """One step of offered load, as k6 measured it (latencies exact: k6 keeps every sample)."""

    offered_rps: float
    achieved_rps: float
    requests: int
    failed: int
    dropped: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float


class Step(K6Step):
    passed: bool
    reason: str


class CapacityCell(BaseModel):
    server: str
    scenario: str
    capacity_rps: float | None  # None: the first step already failed
    steps: list[Step]


class CapacityResults(BaseModel):
    started_at: datetime
    finished_at: datetime
    k6: str
    profile: CapacityProfile
    machine: Machine
    database: str
    cells: list[CapacityCell]
