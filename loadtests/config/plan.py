"""What one benchmark run will do, built from the command line (`make bench ARGS=…`) or from
code, checked before anything starts."""

from __future__ import annotations

import argparse
import os
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from devtools.databases import DEFAULT_PG_ADMIN_URL
from devtools.servers import REPO_ROOT
from loadtests.config.dataset import DatabaseKind, SeedSpec
from loadtests.config.matrix import MATRIX, FrontEnd, Matrix, Profile, ServerConfig, Target
from loadtests.config.scenarios import USER_CLASSES

DESCRIPTION = """Verify, then benchmark FastAPI and Flask side by side (see README, Benchmarks).

Every server of the profile (and its floor app) is verified over HTTP first: a server that fails
is refused, with no numbers. Then the servers are started afresh for every launch, each on a
fresh copy of one seeded database, in a random order, pinned to the server CPUs and warmed up;
per scenario each is measured once per launch, the two sides of a comparison back to back. A
trial counts the successful responses of a window after every Locust user is running; a window
that held fewer than --min-responses is measured again, long enough. After the first --launches
launches the first look decides what it can; further launches measure only the comparisons still
open, while --budget allows. Intervals are Student's t over launches (the start of a server is
the unit that varies), 5 % error per comparison over the two looks (docs/benchmarking.md)."""


class RunPlan(BaseModel):
    profile_name: str
    profile: Profile
    servers: list[ServerConfig] = Field(min_length=1)
    targets: dict[FrontEnd, dict[Target, str]]
    database: DatabaseKind
    admin_url: str | None = Field(description="the PostgreSQL server databases are created on")
    seed: dict[str, int]
    server_cpus: list[int]
    generator_cpus: list[int]
    generator_processes: int = Field(ge=1)
    out: Path
    sabotage: str | None = Field(default=None, description="serve loadtests.gate.sabotage's broken apps")
    db_rtt_ms: list[float] = Field(
        default=[], description="run once per round-trip time, on PostgreSQL in a network namespace"
    )
    aa: bool = Field(default=False, description="every server against a twin of itself (servers holds both)")

    @property
    def seed_spec(self) -> SeedSpec:
        return SeedSpec(**self.seed)

    def target(self, front_end: FrontEnd, target: Target) -> str:
        """The app factory to serve; a sabotage variant replaces the target it breaks (the
        floor's variants are named floor_…)."""
        if self.sabotage and self.sabotage.startswith("floor_") == (target == "floor"):
            suffix = "_app" if target == "implementation" else "_floor_app"
            return f"loadtests.gate.sabotage:{front_end}{suffix}"
        return self.targets[front_end][target]


def cpu_list(text: str) -> list[int]:
    cpus: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        cpus.extend(range(int(low), int(high or low) + 1))
    return cpus


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="make bench ARGS=...",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--profile", default=os.environ.get("PROFILE", "quick"), help="a profile of servers.toml")
    p.add_argument("--matrix", type=Path, default=MATRIX, help="the server matrix file")
    p.add_argument("--servers", help="comma-separated server names (overrides the profile)")
    p.add_argument("--scenarios", help="comma-separated scenarios (overrides the profile)")
    p.add_argument("--launches", type=int, help="launches (starts of every server) before the first look")
    p.add_argument("--max-launches", type=int, help="launches in all, at most")
    p.add_argument(
        "--budget",
        type=float,
        metavar="SECONDS",
        help="the run's time, from seeding to the last trial: no launch starts that would overrun it",
    )
    p.add_argument("--window", type=float, help="the shortest measured window, seconds")
    p.add_argument("--min-responses", type=int, help="responses of the slowest server a window must hold")
    p.add_argument(
        "--aa",
        action="store_true",
        help="A/A run: every server against a twin of itself (same app, same command); every verdict "
        "but no-difference or inconclusive is a false one",
    )
    p.add_argument("--users", type=int, help="concurrent Locust users (overrides the profile)")
    floors = p.add_mutually_exclusive_group()
    floors.add_argument("--floor", action="store_true", default=None, help="measure the floor apps too")
    floors.add_argument(
        "--no-floor", action="store_false", dest="floor", help="do not measure the floor apps"
    )
    p.add_argument("--workers", type=int, help="server worker processes for every server")
    p.add_argument(
        "--threads", type=int, help="threads (Flask) / threadpool limit (FastAPI) for every server"
    )
    p.add_argument("--server-cpus", default="0", help="CPUs the servers are pinned to (taskset list)")
    p.add_argument("--generator-cpus", default="1", help="CPUs Locust is pinned to")
    p.add_argument("--locust-workers", type=int, default=1, help="Locust processes sharing the users")
    p.add_argument("--users-seed", type=int, default=SeedSpec.users, help="seeded users")
    p.add_argument("--products", type=int, default=SeedSpec.products, help="seeded products")
    p.add_argument("--orders", type=int, default=SeedSpec.orders, help="seeded orders")
    p.add_argument(
        "--db-rtt-ms",
        type=lambda text: [float(part) for part in text.split(",")],
        default=[],
        metavar="MS,MS,...",
        help="run once per database round-trip time, on a private PostgreSQL in a network namespace "
        "that the run creates (loadtests/env/dbnet.py), e.g. 0,1,5",
    )
    p.add_argument(
        "--postgres",
        metavar="ADMIN_URL",
        nargs="?",
        const=DEFAULT_PG_ADMIN_URL,
        help="benchmark on PostgreSQL instead of SQLite: the URL of a server whose user may create "
        f"databases (default {DEFAULT_PG_ADMIN_URL})",
    )
    p.add_argument("--out", type=Path, help="output folder (default results/<UTC time>)")
    return p


def make_plan(
    profile_name: str = "quick",
    matrix: Matrix | None = None,
    *,
    servers: list[str] | None = None,
    profile_overrides: dict[str, object] | None = None,
    server_overrides: dict[str, int] | None = None,
    postgres: str | None = None,
    seed: SeedSpec | None = None,
    server_cpus: list[int] | None = None,
    generator_cpus: list[int] | None = None,
    generator_processes: int = 1,
    out: Path | None = None,
    aa: bool = False,
) -> RunPlan:
    """A checked plan: a profile of the matrix, with what the caller changes."""
    matrix = matrix or Matrix.load()
    if profile_name not in matrix.profiles:
        raise SystemExit(f"unknown profile {profile_name!r}; known: {', '.join(matrix.profiles)}")
    updates = {key: value for key, value in (profile_overrides or {}).items() if value is not None}
    if servers:
        updates["servers"] = servers
    base = matrix.profiles[profile_name]
    if isinstance(launches := updates.get("launches"), int) and "max_launches" not in updates:
        updates["max_launches"] = max(base.max_launches, launches)
    if aa:
        updates["floor"] = False  # an A/A run compares twins; floors would only cost time
    try:
        profile = Profile.model_validate({**base.model_dump(), **updates})
    except ValidationError as error:
        raise SystemExit(f"bad profile settings: {error}") from None
    unknown = [name for name in profile.servers if name not in matrix.servers] + [
        name for name in profile.scenarios if name not in USER_CLASSES
    ]
    if unknown:
        raise SystemExit(f"unknown server or scenario: {', '.join(unknown)}")
    if profile.launches < 2:
        raise SystemExit("a run needs two or more launches for an interval (--launches)")
    changes = {key: value for key, value in (server_overrides or {}).items() if value is not None}
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    configs = [matrix.servers[name].model_copy(update=changes) for name in profile.servers]
    return RunPlan(
        profile_name=profile_name,
        profile=Profile.model_validate(profile.model_dump()),
        servers=[both for c in configs for both in (c, c.twin())] if aa else configs,
        targets=matrix.targets,
        database="postgresql" if postgres else "sqlite",
        admin_url=postgres,
        seed=asdict(seed or SeedSpec()),
        server_cpus=server_cpus or [0],
        generator_cpus=generator_cpus or [1],
        generator_processes=generator_processes,
        out=out or REPO_ROOT / "results" / stamp,
        sabotage=os.environ.get("BENCH_SABOTAGE") or None,
        aa=aa,
    )


def plan_from_args(argv: list[str] | None = None) -> RunPlan:
    args = parser().parse_args(argv)
    plan = make_plan(
        args.profile,
        Matrix.load(args.matrix),
        servers=args.servers.split(",") if args.servers else None,
        profile_overrides={
            "scenarios": args.scenarios.split(",") if args.scenarios else None,
            "launches": args.launches,
            "max_launches": args.max_launches,
            "budget_seconds": args.budget,
            "window_seconds": args.window,
            "min_responses": args.min_responses,
            "users": args.users,
            "floor": args.floor,
        },
        server_overrides={"workers": args.workers, "threads": args.threads},
        postgres=args.postgres,
        seed=SeedSpec(users=args.users_seed, products=args.products, orders=args.orders),
        server_cpus=cpu_list(args.server_cpus),
        generator_cpus=cpu_list(args.generator_cpus),
        generator_processes=args.locust_workers,
        out=args.out,
        aa=args.aa,
    )
    return plan.model_copy(update={"db_rtt_ms": args.db_rtt_ms})
