"""`servers.toml` as typed objects: servers, what each front end serves, profiles, and the
environment every benchmarked server runs with."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator

MATRIX = Path(__file__).with_name("servers.toml")
FrontEnd = Literal["flask", "fastapi", "fastapi-async"]
Target = Literal["implementation", "floor"]
Pairing = Literal["same-server", "same-process-manager", "cross-server"]

# Every benchmarked server gets this environment, plus DATABASE_URL, DB_POOL_SIZE and
# THREADPOOL_LIMIT from its configuration.
SERVER_ENV = {
    "APP_ENV": "production",
    "JWT_SECRET": "benchmark-secret-not-for-production-0123456789",
    "JWT_TTL_SECONDS": "7200",
    "LOG_REQUESTS": "false",
    # Off, as the request log: the comparison is of the frameworks; `--instrumentation` measures
    # what metrics and tracing cost each of them (docs/observability.md, "What instrumentation costs").
    "METRICS_ENABLED": "false",
    # OWASP's minimum for Argon2id (19 MiB, 2 iterations, 1 lane): ~30 ms a login on one core,
    # so the login scenario measures something within a short trial. The app's default is 64 MiB.
    "ARGON2_MEMORY_KIB": "19456",
    "ARGON2_TIME_COST": "2",
    "ARGON2_PARALLELISM": "1",
}
# The application's default pool (core/settings.py); a server never gets fewer connections
# than it has threads.
MIN_DB_POOL = 10
# HTTPS served by the server itself (`--tls server`), per program of the commands.
OWN_TLS_ARGS = {
    "granian": ["--ssl-certificate", "{cert}", "--ssl-keyfile", "{key}"],
    "gunicorn": ["--certfile", "{cert}", "--keyfile", "{key}"],
    "uvicorn": ["--ssl-certfile", "{cert}", "--ssl-keyfile", "{key}"],
}


class ServerConfig(BaseModel):
    name: str
    front_end: FrontEnd
    label: str = Field(description="the server as a sentence names it: 'FastAPI on <label>'")
    server: str = Field(description="the HTTP server itself; equal on both sides: same-server")
    manager: str = Field(description="the process manager; equal on both sides: same-process-manager")
    workers: int = Field(ge=1)
    threads: int = Field(ge=1, description="Flask worker threads, or FastAPI's threadpool limit")
    notes: str = Field(description="what this server does besides running the framework")
    command: list[str]
    twin_of: str | None = Field(default=None, description="A/A runs: the server this is a copy of")
    proxy: Literal["nginx"] | None = Field(default=None, description="what the clients reach it through")
    tls: bool = Field(
        default=False, description="HTTPS, terminated by the proxy, or without one by the server"
    )
    instances: int = Field(default=1, ge=1, description="processes of this command behind the proxy")
    variant_of: str | None = Field(
        default=None, description="proxy runs: the server whose req/s and p99 this one's are a share of"
    )

    def twin(self) -> ServerConfig:
        """The same app under the same command, measured as if it were another server (A/A)."""
        return self.model_copy(
            update={"name": f"{self.name}-twin", "label": f"{self.label}, twin", "twin_of": self.name}
        )

    def behind_proxy(self, of: ServerConfig, *, tls: bool = False, instances: int = 1) -> ServerConfig:
        """This server's command, `instances` times, behind nginx (over HTTPS with `tls`), measured
        as a share of `of`."""
        suffix = "-nginx" + ("-tls" if tls else "") + (f"-x{instances}" if instances > 1 else "")
        return self.model_copy(
            update={
                "name": self.name + suffix,
                "label": f"{self.label}, {self.route_text(tls, instances)}",
                "proxy": "nginx",
                "tls": tls,
                "instances": instances,
                "variant_of": of.name,
            }
        )

    def with_own_tls(self) -> ServerConfig:
        """This server serving HTTPS itself (OWN_TLS_ARGS), measured as a share of itself."""
        return self.model_copy(
            update={
                "name": f"{self.name}-tls",
                "label": f"{self.label}, its own HTTPS",
                "tls": True,
                "variant_of": self.name,
            }
        )

    @staticmethod
    def route_text(tls: bool, instances: int) -> str:
        return (
            "behind nginx"
            + (" over HTTPS" if tls else "")
            + (f", {instances} instances" if instances > 1 else "")
        )

    @property
    def route(self) -> tuple[str | None, bool, int]:
        """How clients reach the server: FastAPI and Flask are compared on the same route only."""
        return self.proxy, self.tls, self.instances

    @property
    def own_tls(self) -> bool:
        """Whether the server itself serves HTTPS (no proxy in front to do it)."""
        return self.tls and not self.proxy

    def argv(self, target: str, port: int, cert: Path | None = None, key: Path | None = None) -> list[str]:
        """The command line; with its own TLS, `cert` and `key` are what it serves HTTPS with."""
        values = {
            "target": target,
            "port": str(port),
            "workers": str(self.workers),
            "threads": str(self.threads),
            "cert": str(cert),
            "key": str(key),
        }
        tls = OWN_TLS_ARGS[self.command[0]] if self.own_tls else []
        executable = str(Path(sys.executable).parent / self.command[0])
        return [executable, *(part.format(**values) for part in [*self.command[1:], *tls])]

    @property
    def db_pool_size(self) -> int:
        return max(MIN_DB_POOL, self.threads)

    def environment(self, database_url: str) -> dict[str, str]:
        return {
            **SERVER_ENV,
            "DATABASE_URL": database_url,
            "DB_POOL_SIZE": str(self.db_pool_size),
            "THREADPOOL_LIMIT": str(self.threads),
        }


class Profile(BaseModel):
    """How a benchmark run spends its time (docs/benchmarking.md). Every server is started afresh
    for each launch and measured once per scenario in it; the first `launches` launches measure
    every cell, then the first look decides what it can, and further launches measure only the
    cells of the comparisons still undecided, while `budget_seconds` allows."""

    servers: list[str] = Field(min_length=1)
    scenarios: list[str] = Field(min_length=1)
    floor: bool
    users: int = Field(ge=1)
    warmup_seconds: float = Field(
        ge=0, description="first launch: a discarded run of every cell, whose rate sizes the windows"
    )
    settle_seconds: float = Field(ge=0, description="after the last user started, before the window")
    window_seconds: float = Field(gt=0, description="the shortest measured window")
    max_window_seconds: float = Field(default=10.0, gt=0, description="the longest measured window")
    min_responses: int = Field(
        default=0, ge=0, description="a scenario's window holds this many responses of its slowest cell"
    )
    launches: int = Field(default=1, ge=1, description="starts of every server before the first look")
    max_launches: int = Field(default=1, ge=1, description="starts in all, at most")
    budget_seconds: float = Field(
        default=0, ge=0, description="the run's time: no further launch starts that would overrun it"
    )

    @model_validator(mode="after")
    def _limits_hold_the_first_look(self) -> Profile:
        if self.max_launches < self.launches:
            raise ValueError(f"max_launches {self.max_launches} is under launches {self.launches}")
        if self.max_window_seconds < self.window_seconds:
            raise ValueError("max_window_seconds is under window_seconds")
        return self

    def window(self, slowest_rps: float) -> float:
        """A window long enough for `min_responses` at the slowest cell's rate, within the limits."""
        wanted = self.min_responses / slowest_rps if slowest_rps > 0 else self.max_window_seconds
        return round(min(self.max_window_seconds, max(self.window_seconds, wanted)), 2)


class CapacityProfile(BaseModel):
    """`make capacity`: open-loop steps with k6 (loadtests/studies/capacity.py)."""

    servers: list[str] = Field(min_length=1)
    scenarios: list[str] = Field(min_length=1)
    slo_p99_ms: float = Field(gt=0, description="a step passes only with p99 at or under this")
    step_seconds: float = Field(gt=0)
    start_rps: dict[str, float] = Field(description="the first offered rate of each scenario")
    growth: float = Field(gt=1, description="each step offers this much more than the last")
    refinements: int = Field(ge=0, description="bisections between the last pass and the first failure")


class Matrix(BaseModel):
    servers: dict[str, ServerConfig]
    targets: dict[FrontEnd, dict[Target, str]]
    profiles: dict[str, Profile]
    capacity: CapacityProfile

    @classmethod
    def load(cls, path: Path = MATRIX) -> Matrix:
        raw = tomllib.loads(path.read_text())
        for name, server in raw["servers"].items():
            server["name"] = name
        return cls.model_validate(raw)


def pairing(fastapi: ServerConfig, flask: ServerConfig) -> Pairing:
    if fastapi.server == flask.server:
        return "same-server"
    if fastapi.manager == flask.manager:
        return "same-process-manager"
    return "cross-server"


def differs(fastapi: ServerConfig, flask: ServerConfig) -> str:
    """What differs between two servers besides the framework, in one sentence."""
    return f"FastAPI: {fastapi.notes}. Flask: {flask.notes}."
