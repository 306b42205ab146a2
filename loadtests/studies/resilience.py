"""`make resilience` / `make soak`: how each server of the benchmark matrix behaves when things go
wrong (docs/resilience.md).

Faults, each on a freshly started server (pinned as for `make bench`, on its own copy of the
seeded database): graceful shutdown under keep-alive load (SIGTERM), a database outage (a private
PostgreSQL cluster stopped and started), pool exhaustion (a tiny pool, its connections held),
overload (k6 at twice the capacity, then the time to recover), slow clients (200 connections
trickling headers). `--soak`: k6 at 70 % of capacity for 10 minutes, memory and p99 drift.
Writes results/resilience-<UTC time>/resilience.json (or soak.json), .md and .html.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

from rich.console import Console

from loadtests.config.matrix import ServerConfig
from loadtests.config.options import Shared
from loadtests.config.plan import servers_plan
from loadtests.env.cluster import private_cluster, unavailable_reason
from loadtests.env.databases import SeededDatabases
from loadtests.env.proxy import nginx_version
from loadtests.env.sampling import machine
from loadtests.load import k6
from loadtests.render import resilience as render
from loadtests.results.resilience import FAULTS, FaultResult, ResilienceResults, ServerResilience
from loadtests.session.session import Session
from loadtests.studies import report
from loadtests.studies.faults.context import Context
from loadtests.studies.faults.outage import outage
from loadtests.studies.faults.overload import overload
from loadtests.studies.faults.pool import pool
from loadtests.studies.faults.shutdown import shutdown
from loadtests.studies.faults.slow_clients import slow_clients
from loadtests.studies.faults.soak import soak

POSTGRES_FAULTS = {"outage", "pool"}
K6_FAULTS = {"overload", "soak"}
FAULT_FUNCTIONS: dict[str, Callable[[Context, ServerConfig], FaultResult]] = {
    "shutdown": shutdown,
    "outage": outage,
    "pool": pool,
    "overload": overload,
    "slow_clients": slow_clients,
}


SHARED: tuple[Shared, ...] = ("cpus", "out")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--profile", default=os.environ.get("PROFILE", "quick"), help="whose servers (servers.toml)"
    )
    p.add_argument("--servers", help="comma-separated server names (overrides the profile)")
    p.add_argument("--faults", help=f"comma-separated, of {', '.join(FAULTS)} (default: all)")
    p.add_argument("--soak", action="store_true", help="run the soak instead of the faults")
    p.add_argument("--soak-seconds", type=float, default=600.0, help="the soak's length per server")
    p.add_argument("--slice-seconds", type=float, default=60.0, help="the soak's k6 runs (memory after each)")
    p.add_argument("--rate", type=float, help="the soak's rate (default: 70 %% of a quick capacity search)")
    p.add_argument("--capacity-rps", type=float, help="skip the capacity search: use this for every server")
    p.add_argument("--slo-p99-ms", type=float, default=100.0, help="the latency objective")
    p.add_argument(
        "--proxy",
        choices=["nginx"],
        help="the clients reach each server through a private nginx (docs/deployment.md), on its CPUs",
    )


def open_context(
    session: Session,
    faults_run: set[str],
    slo_p99_ms: float,
    capacity_rps: float | None = None,
) -> tuple[Context, str | None]:
    """The faults' context on `session` (and the private cluster, if a fault needs it, closed
    with the session); also why PostgreSQL faults cannot run, if they cannot."""
    ctx = Context(session=session, workdir=session.out, slo_p99_ms=slo_p99_ms, capacity_rps=capacity_rps)
    no_postgres = None
    if POSTGRES_FAULTS & faults_run:
        no_postgres = unavailable_reason()
        if no_postgres is None:
            session.console.print("Starting a private PostgreSQL cluster on 127.0.0.1 and seeding it …")
            ctx.cluster = session.stack.enter_context(private_cluster(session.out / "postgres"))
            ctx.postgres = SeededDatabases(
                "postgresql",
                session.out / "databases",
                session.plan.seed_spec,
                ctx.cluster.admin_url,
                session.stack,
            )
    return ctx, no_postgres


def run_fault(
    ctx: Context, config: ServerConfig, fault: str, function: Callable[..., FaultResult] | None = None
) -> FaultResult:
    """One fault on its own freshly started server, its logs in <out>/<fault>/logs."""
    fault_ctx = dataclasses.replace(ctx, session=ctx.session.moved_to(ctx.workdir / fault))
    result = (function or FAULT_FUNCTIONS[fault])(fault_ctx, config)
    return result.model_copy(update={"load_average_1m": round(os.getloadavg()[0], 1)})


def run(args: argparse.Namespace) -> int:
    console = Console()
    chosen = args.faults.split(",") if args.faults else list(FAULTS)
    if unknown := [f for f in chosen if f not in FAULTS]:
        raise SystemExit(f"unknown fault {', '.join(unknown)}; known: {', '.join(FAULTS)}")
    faults_run = ["soak"] if args.soak else chosen
    soak_run = partial(soak, seconds=args.soak_seconds, slice_seconds=args.slice_seconds, rate=args.rate)
    plan = servers_plan(args)
    version = k6.check_binary() if K6_FAULTS & set(faults_run) else None
    started_at = datetime.now(UTC)
    servers = []
    with Session.open(plan, console) as session:
        ctx, no_postgres = open_context(session, set(faults_run), args.slo_p99_ms, args.capacity_rps)
        ctx.proxy = args.proxy == "nginx"
        for config in plan.servers:
            result = ServerResilience(server=config.name, label=config.label, front_end=config.front_end)
            for fault in faults_run:
                console.rule(f"{config.name}: {fault}")
                if fault in POSTGRES_FAULTS and no_postgres:
                    result.errors[fault] = no_postgres
                    continue
                try:
                    outcome = run_fault(ctx, config, fault, soak_run if fault == "soak" else None)
                except Exception as error:  # one fault's failure to run must not hide the others
                    result.errors[fault] = f"{type(error).__name__}: {error}"
                    console.print(f"[red]could not run[/]: {result.errors[fault]}")
                    continue
                setattr(result, fault, outcome)
                console.print(f"{render.MARKS[outcome.passed]}: {outcome.cell}", highlight=False)
            servers.append(result)
    results = ResilienceResults(
        kind="soak" if args.soak else "resilience",
        started_at=started_at,
        finished_at=datetime.now(UTC),
        profile=plan.profile_name,
        faults=faults_run,
        machine=machine(plan.server_cpus, plan.generator_cpus),
        k6=version,
        slo_p99_ms=args.slo_p99_ms,
        proxy=nginx_version() if ctx.proxy else None,
        servers=servers,
    )
    render.write(results, plan.out, console)
    if (plan.out / "results.json").exists():  # a make bench run's folder: its report gains the section
        report.write_reports(report.load(plan.out / "results.json"), plan.out, console)
    return 1 if any(s.errors for s in servers) else 0
