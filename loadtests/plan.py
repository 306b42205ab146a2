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
from loadtests.databases import DatabaseKind
from loadtests.matrix import MATRIX, FrontEnd, Matrix, Profile, ServerConfig, Target
from loadtests.scenarios import USER_CLASSES
from loadtests.seed import SeedSpec

DESCRIPTION = """Verify, then benchmark FastAPI and Flask side by side (see README, Benchmarks).

Every server of the profile is started pinned to the server CPUs with a fresh copy of one
seeded database, with its floor app beside it, and verified over HTTP (a server that fails is
refused: no numbers). Per scenario, trials of every server run interleaved, in rounds that
alternate direction (A B C D, D C B A, …), so drift cannot pose as a difference; the servers are
started afresh `launches` times, the trials split among the starts, so that the variation from
one start to the next is in the intervals too. Each trial
counts the successful responses of a fixed window after every Locust user is running."""


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
    sabotage: str | None = Field(default=None, description="serve loadtests.sabotage's broken apps")
    db_rtt_ms: list[float] = Field(
        default=[], description="run once per round-trip time, on PostgreSQL in a network namespace"
    )

    @property
    def seed_spec(self) -> SeedSpec:
        return SeedSpec(**self.seed)

    def target(self, front_end: FrontEnd, target: Target) -> str:
        """The app factory to serve; a sabotage variant replaces the target it breaks (the
        floor's variants are named floor_…)."""
        if self.sabotage and self.sabotage.startswith("floor_") == (target == "floor"):
            suffix = "_app" if target == "implementation" else "_floor_app"
            return f"loadtests.sabotage:{front_end}{suffix}"
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
    p.add_argument("--trials", type=int, help="trials per cell (overrides the profile)")
    p.add_argument(
        "--launches", type=int, help="start every server this many times, the trials split among them"
    )
    p.add_argument("--window", type=float, help="seconds in each trial's measured window")
    p.add_argument("--users", type=int, help="concurrent Locust users (overrides the profile)")
    p.add_argument("--no-floor", action="store_true", help="do not measure the floor apps")
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
        "that the run creates (loadtests/dbnet.py), e.g. 0,1,5",
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
) -> RunPlan:
    """A checked plan: a profile of the matrix, with what the caller changes."""
    matrix = matrix or Matrix.load()
    if profile_name not in matrix.profiles:
        raise SystemExit(f"unknown profile {profile_name!r}; known: {', '.join(matrix.profiles)}")
    updates = {key: value for key, value in (profile_overrides or {}).items() if value is not None}
    if servers:
        updates["servers"] = servers
    base = matrix.profiles[profile_name]
    if isinstance(trials := updates.get("trials"), int) and "launches" not in updates:
        updates["launches"] = min(base.launches, trials)  # fewer trials than starts: fewer starts
    try:
        profile = Profile.model_validate({**base.model_dump(), **updates})
    except ValidationError as error:
        raise SystemExit(f"bad profile settings: {error}") from None
    unknown = [name for name in profile.servers if name not in matrix.servers] + [
        name for name in profile.scenarios if name not in USER_CLASSES
    ]
    if unknown:
        raise SystemExit(f"unknown server or scenario: {', '.join(unknown)}")
    changes = {key: value for key, value in (server_overrides or {}).items() if value is not None}
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return RunPlan(
        profile_name=profile_name,
        profile=Profile.model_validate(profile.model_dump()),
        servers=[matrix.servers[name].model_copy(update=changes) for name in profile.servers],
        targets=matrix.targets,
        database="postgresql" if postgres else "sqlite",
        admin_url=postgres,
        seed=asdict(seed or SeedSpec()),
        server_cpus=server_cpus or [0],
        generator_cpus=generator_cpus or [1],
        generator_processes=generator_processes,
        out=out or REPO_ROOT / "results" / stamp,
        sabotage=os.environ.get("BENCH_SABOTAGE") or None,
    )


def plan_from_args(argv: list[str] | None = None) -> RunPlan:
    args = parser().parse_args(argv)
    plan = make_plan(
        args.profile,
        Matrix.load(args.matrix),
        servers=args.servers.split(",") if args.servers else None,
        profile_overrides={
            "scenarios": args.scenarios.split(",") if args.scenarios else None,
            "trials": args.trials,
            "launches": args.launches,
            "window_seconds": args.window,
            "users": args.users,
            "floor": False if args.no_floor else None,
        },
        server_overrides={"workers": args.workers, "threads": args.threads},
        postgres=args.postgres,
        seed=SeedSpec(users=args.users_seed, products=args.products, orders=args.orders),
        server_cpus=cpu_list(args.server_cpus),
        generator_cpus=cpu_list(args.generator_cpus),
        generator_processes=args.locust_workers,
        out=args.out,
    )
    return plan.model_copy(update={"db_rtt_ms": args.db_rtt_ms})
