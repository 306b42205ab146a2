"""What one benchmark run will do, built from the command line (`make bench ARGS=…`) or from
code, checked before anything starts."""

from __future__ import annotations

import argparse
import os
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from devtools.servers import REPO_ROOT
from loadtests.config.dataset import DatabaseKind, SeedSpec
from loadtests.config.matrix import FrontEnd, Matrix, Profile, ServerConfig, Target
from loadtests.config.options import out_folder
from loadtests.config.scenarios import USER_CLASSES


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
    proxy: str | None = None,
    tls: str | None = None,
    instances: list[int] | None = None,
) -> RunPlan:
    """A checked plan: a profile of the matrix, with what the caller changes. `proxy` adds each
    server's variants behind nginx (loadtests/env/proxy.py): with `tls="nginx"` over HTTPS, and
    as each of `instances` processes; `tls="server"` adds each server serving HTTPS itself."""
    matrix = matrix or Matrix.load()
    if (tls == "nginx" or instances) and not proxy:
        raise SystemExit("--tls (nginx) and --instances are options of --proxy nginx; --tls server is not")
    if (proxy or tls) and aa:
        raise SystemExit("an A/A run compares twins on one route: --aa takes no --proxy or --tls")
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
    if aa:
        configs = [both for c in configs for both in (c, c.twin())]
    elif proxy or tls:
        configs = [variant for c in configs for variant in with_variants(c, proxy, tls, instances or [])]
    return RunPlan(
        profile_name=profile_name,
        profile=Profile.model_validate(profile.model_dump()),
        servers=configs,
        targets=matrix.targets,
        database="postgresql" if postgres else "sqlite",
        admin_url=postgres,
        seed=asdict(seed or SeedSpec()),
        server_cpus=server_cpus or [0],
        generator_cpus=generator_cpus or [1],
        generator_processes=generator_processes,
        out=out or REPO_ROOT / "results" / f"bench-{stamp}",
        sabotage=os.environ.get("BENCH_SABOTAGE") or None,
        aa=aa,
    )


def with_variants(
    config: ServerConfig, proxy: str | None, tls: str | None, instances: list[int]
) -> list[ServerConfig]:
    """`config` itself; serving HTTPS itself (`tls="server"`); behind nginx, over HTTPS there
    (`tls="nginx"`), and as more instances behind it. Each variant is a share of the one it
    differs from in one thing alone: nginx and the server's own TLS of the server itself; TLS
    at nginx and more instances of one instance behind nginx."""
    variants = [config]
    if tls == "server":
        variants.append(config.with_own_tls())
    if proxy:
        proxied = config.behind_proxy(config)
        variants.append(proxied)
        if tls == "nginx":
            variants.append(config.behind_proxy(proxied, tls=True))
        variants += [config.behind_proxy(proxied, instances=n) for n in sorted(set(instances)) if n > 1]
    return variants


def servers_plan(args: argparse.Namespace) -> RunPlan:
    """The plan of a study that starts servers one at a time, no floors: the profile's servers
    (or --servers), on the CPUs of the shared options, writing to --out."""
    return make_plan(
        args.profile,
        servers=args.servers.split(",") if args.servers else None,
        profile_overrides={"floor": False},
        server_cpus=args.server_cpus,
        generator_cpus=args.generator_cpus,
        out=out_folder(args),
    )
