"""A rolling deploy, a refused bad release and a canary rolled back, under load behind nginx
(`make deploy-drill`): the schema of deploy.json."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from loadtests.results.bench import K6Step
from loadtests.results.machine import Machine


class Drill(BaseModel):
    server: str
    front_end: str
    instances: int
    steady: K6Step = Field(description="the load before the drill, same rate: its p99 is the baseline")
    during: K6Step = Field(description="the load from the first step of the rollout to the end of the drill")
    errors: dict[str, int] = Field(description="failed requests during the drill, by kind")
    migration: str = Field(description="the revisions the fleet's database moved between, under load")
    migration_seconds: float = Field(description="the migration's time, release N serving throughout")
    rollout_seconds: float = Field(description="first new instance started → last old one stopped")
    rolled_out: bool = Field(description="every instance in nginx's upstream runs the new release")
    bad_release_refused: bool = Field(description="the bad release failed /ready and never got traffic")
    rollback_seconds: float = Field(description="bad release started → refused and stopped")
    canary: K6Step = Field(description="the load while a ready release that answers 5xx was a canary")
    canary_errors: dict[str, int] = Field(description="failed requests of the canary's phase, by kind")
    canary_answers: int = Field(description="requests nginx sent to the canary")
    canary_failed: int = Field(description="of those, the canary's 5xx: what the bad release cost")
    canary_rolled_back: bool = Field(description="its error rate took it out of nginx's list")
    canary_seconds: float = Field(description="canary in nginx's list → out of it again")

    @property
    def failed(self) -> int:
        return sum(self.errors.values())


class DeployResults(BaseModel):
    started_at: datetime
    machine: Machine
    rate: float = Field(description="offered load, req/s (k6, open loop, product reads)")
    proxy: str = Field(description="the reverse proxy and its version")
    drills: list[Drill]
