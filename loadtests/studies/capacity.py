"""`make capacity`: how much open-loop traffic each server takes within a latency objective.

Per server and scenario, k6 offers a fixed arrival rate (loadtests/load/k6.py), step after step: the
rate grows by `growth` until a step fails — p99 above the objective, any failed request, or any
arrival k6 had no virtual user for — and is then refined `refinements` times between the last
passing and the first failing rate. The capacity is the highest passing rate. Servers are
started, pinned and verified as for `make bench`, each on its own copy of the seeded database.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from loadtests.config.matrix import CapacityProfile, Matrix
from loadtests.config.options import Shared, out_folder
from loadtests.config.plan import make_plan
from loadtests.env.databases import SeededDatabases
from loadtests.env.fixture import seeded_fixture
from loadtests.env.sampling import machine, wait_idle
from loadtests.load import k6
from loadtests.render import capacity as capacity_report
from loadtests.results.bench import CapacityCell, CapacityResults, K6Step, Step
from loadtests.studies.runner import Runner, Running

MAX_STEPS = 24


def judge(measured: K6Step, slo_p99_ms: float) -> Step:
    reasons = []
    if measured.p99_ms > slo_p99_ms:
        reasons.append(f"p99 {measured.p99_ms:.0f} ms > {slo_p99_ms:g} ms")
    if measured.failed:
        reasons.append(f"{measured.failed} failed")
    if measured.dropped:
        reasons.append(f"{measured.dropped} dropped")
    return Step(
        **measured.model_dump(), passed=not reasons, reason="; ".join(reasons) or "within the objective"
    )


def search(measure: Callable[[float], K6Step], start: float, profile: CapacityProfile) -> list[Step]:
    """Grow the rate until a step fails, then refine between the last pass and the first failure
    (geometric midpoints). Every step measured is returned, in the order measured."""
    steps: list[Step] = []
    rate = start
    while len(steps) < MAX_STEPS:
        steps.append(judge(measure(rate), profile.slo_p99_ms))
        if not steps[-1].passed:
            break
        rate *= profile.growth
    passing = [s.offered_rps for s in steps if s.passed]
    failing = [s.offered_rps for s in steps if not s.passed]
    if not passing or not failing:
        return steps
    low, high = max(passing), min(failing)
    for _ in range(profile.refinements):
        middle = math.sqrt(low * high)
        steps.append(judge(measure(middle), profile.slo_p99_ms))
        low, high = (middle, high) if steps[-1].passed else (low, middle)
    return steps


def capacity(steps: list[Step]) -> float | None:
    return max((s.offered_rps for s in steps if s.passed), default=None)


SHARED: tuple[Shared, ...] = ("cpus", "out", "database")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--servers", help="comma-separated servers (default: the capacity profile's)")
    parser.add_argument("--scenarios", help=f"comma-separated, of {', '.join(k6.SCENARIOS)}")
    parser.add_argument("--slo-p99-ms", type=float, help="the latency objective (default 100)")
    parser.add_argument("--step-seconds", type=float, help="seconds of each step")


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
    unknown = [s for s in profile.scenarios if s not in k6.SCENARIOS]
    if unknown:
        raise SystemExit(f"k6 has no script for {', '.join(unknown)}; it has {', '.join(k6.SCENARIOS)}")
    console = Console()
    version = k6.check_binary()
    plan = make_plan(
        servers=profile.servers,
        profile_overrides={"scenarios": profile.scenarios, "floor": False},
        postgres=args.postgres,
        server_cpus=args.server_cpus,
        generator_cpus=args.generator_cpus,
        out=out_folder(args),
    )
    results = measure_all(plan.out, profile, Runner(plan, console), version, console)
    capacity_report.write(results, plan.out, console)
    return 0


def stepper(
    running: Running, script: Path, profile: CapacityProfile, runner: Runner, console: Console
) -> Callable[[float], K6Step]:
    """One step at a given rate against one server, then a wait until the server is idle."""

    def measure(rate: float) -> K6Step:
        base_url, cpus = running.endpoint.base_url, runner.plan.generator_cpus
        result = k6.run(base_url, script, rate, profile.step_seconds, cpus)
        console.print(
            f"  {rate:7.0f} req/s offered: p99 {result.p99_ms:7.1f} ms, "
            f"{result.failed} failed, {result.dropped} dropped"
        )
        wait_idle([running.endpoint.pid])
        return result

    return measure


def measure_all(
    out: Path, profile: CapacityProfile, runner: Runner, version: str, console: Console
) -> CapacityResults:
    plan = runner.plan
    started_at = datetime.now(UTC)
    (out / "logs").mkdir(parents=True, exist_ok=True)
    cells = []
    with ExitStack() as stack:
        databases = SeededDatabases(plan.database, out / "databases", plan.seed_spec, plan.admin_url, stack)
        fixture = seeded_fixture(plan.seed_spec, runner.settings)
        served = []
        for config in plan.servers:
            console.print(f"Starting {config.name} and verifying it …")
            if refused := runner.verify(config, "implementation", databases, fixture):
                raise SystemExit(f"REFUSED {config.name}: " + "; ".join(refused))
            served.append(stack.enter_context(runner.serve(config, "implementation", databases)))
        for scenario in profile.scenarios:
            script = k6.script(scenario, fixture, out / f"{scenario}.js")
            start = profile.start_rps[scenario]
            for running in served:
                console.print(f"{running.config.name} {scenario}: warm-up, then steps")
                k6.run(running.endpoint.base_url, script, start, 2, plan.generator_cpus)
                steps = search(stepper(running, script, profile, runner, console), start, profile)
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
