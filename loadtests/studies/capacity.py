"""`make capacity`: how much open-loop traffic each server takes within a latency objective.

Per server and scenario, k6 offers a fixed arrival rate, step after step (the search:
loadtests/load/capacity.py); the capacity is the highest passing rate. Servers are
started, pinned and verified as for `make bench`, each on its own copy of the seeded database.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from rich.console import Console

from loadtests.config.matrix import CapacityProfile, Matrix
from loadtests.config.options import Shared, add_proxy_arguments, out_folder
from loadtests.config.plan import RunPlan, make_plan
from loadtests.env.sampling import machine
from loadtests.load import k6
from loadtests.load.capacity import capacity, search, stepper
from loadtests.render import capacity as capacity_report
from loadtests.results.bench import CapacityCell, CapacityResults
from loadtests.session.session import Session

SHARED: tuple[Shared, ...] = ("cpus", "out", "database")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--servers", help="comma-separated servers (default: the capacity profile's)")
    parser.add_argument("--scenarios", help=f"comma-separated, of {', '.join(k6.SCRIPTS)}")
    parser.add_argument("--slo-p99-ms", type=float, help="the latency objective (default 100)")
    parser.add_argument("--step-seconds", type=float, help="seconds of each step")
    add_proxy_arguments(parser)


def run(args: argparse.Namespace) -> int:
    matrix = Matrix.load()
    profile = matrix.capacity.model_copy(
        update={
            key: value
            for key, value in {
                "servers": args.servers.split(",") if args.servers else None,
                "scenarios": args.scenarios.split(",") if args.scenarios else None,
                "slo_p99_ms": args.slo_p99_ms,
                "step_seconds": args.step_seconds,
            }.items()
            if value is not None
        }
    )
    unknown = [s for s in profile.scenarios if s not in k6.SCRIPTS]
    if unknown:
        raise SystemExit(f"k6 has no script for {', '.join(unknown)}; it has {', '.join(k6.SCRIPTS)}")
    console = Console()
    version = k6.check_binary()
    plan = make_plan(
        servers=profile.servers,
        profile_overrides={"scenarios": profile.scenarios, "floor": False},
        postgres=args.postgres,
        server_cpus=args.server_cpus,
        generator_cpus=args.generator_cpus,
        out=out_folder(args),
        proxy=args.proxy,
        tls=args.tls,
        instances=args.instances,
    )
    results = measure_all(plan, profile, version, console)
    capacity_report.write(results, plan.out, console)
    return 0


def measure_all(plan: RunPlan, profile: CapacityProfile, version: str, console: Console) -> CapacityResults:
    started_at = datetime.now(UTC)
    cells = []
    with Session.open(plan, console) as session:
        served = [session.serve_verified(config) for config in plan.servers]
        for scenario in profile.scenarios:
            script = k6.script(scenario, session.fixture, plan.out / f"{scenario}.js")
            start = profile.start_rps[scenario]
            for running in served:
                console.print(f"{running.config.name} {scenario}: warm-up, then steps")
                k6.run(running.endpoint.base_url, script, start, 2, plan.generator_cpus)
                steps = search(
                    stepper(running.endpoint, script, profile, plan.generator_cpus, console), start, profile
                )
                cells.append(
                    CapacityCell(
                        server=running.config.name,
                        scenario=scenario,
                        capacity_rps=capacity(steps),
                        steps=steps,
                    )
                )
    return CapacityResults(
        started_at=started_at,
        finished_at=datetime.now(UTC),
        k6=version,
        profile=profile,
        machine=machine(plan.server_cpus, plan.generator_cpus),
        database=plan.database,
        cells=cells,
    )
