"""The benchmark's results as one pydantic model: `Results` IS the schema of results.json
(version 2; `load` also reads version 1 files, converting what they hold)."""

from __future__ import annotations

import statistics
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, computed_field

from loadtests.k6 import K6Step
from loadtests.matrix import CapacityProfile, FrontEnd, Pairing, Profile, ServerConfig, Target
from loadtests.sampling import Machine, ProcessMemory

SCHEMA_VERSION: Literal[2] = 2
# An interval is NaN when its ratio is undefined in some resamples (a trial of 0 responses on the
# denominator's side): written as NaN, not as JSON's null, so that results.json reads back.
INTERVALS = ConfigDict(ser_json_inf_nan="constants")


def nulls_as_nan(value: Any) -> Any:
    """Files written before INTERVALS hold such an interval as [null, null]."""
    return [float("nan") if v is None else v for v in value] if isinstance(value, list | tuple) else value


Interval = Annotated[tuple[float, float], BeforeValidator(nulls_as_nan)]
Verdict = Literal["fastapi-faster", "flask-faster", "no-difference", "inconclusive"]
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
    started_at: float
    window_seconds: float
    successes: int = Field(description="successful responses completed in the window")
    failures: int = Field(description="failed requests completed in the window (never throughput)")
    rps: float = Field(description="successes ÷ window_seconds")
    latency: Latency = Field(description="of the window's successful responses")
    server_cpu_percent: float = Field(description="mean over the window; 100 = every server CPU busy")
    cpu_ms_per_request: float = Field(description="server CPU time in the window ÷ successes")
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
    ratio: float = Field(description="FastAPI ÷ Flask, mean req/s of the paired trials")
    ci95: Interval = Field(description="95 % bootstrap confidence interval of the ratio")
    verdict: Verdict
    flags: list[str]


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
    schema_version: Literal[2] = SCHEMA_VERSION
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
    cells: list[Cell]
    comparisons: list[Comparison] = []
    floor_shares: list[FloorShare] = []

    def write(self, path: Path) -> None:
        path.write_text(self.model_dump_json(indent=1))


# `make capacity` (loadtests/capacity.py): capacity.json.
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
