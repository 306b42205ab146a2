"""`make bench-crosscheck`: the same servers and scenario under two load generators.

Pair mode (default): a FastAPI and a Flask server, one scenario; each round runs wrk, then
Locust, on each server in turn (the order alternating between rounds), so both generators
see the same drift. It prints FastAPI ÷ Flask by Locust and by wrk, each with its 95 %
t-interval over the rounds (of one start: it says how closely the two tools agree, not how the
servers vary from start to start), and whether the two agree within ±10 %: a benchmark's verdict should not
depend on the tool that measured it. `--floor` also serves each server's floor app and prints
the implementation's share of it by wrk (for `health` the Locust numbers are generator-bound).
`--proxy nginx [--tls]` also serves each server behind nginx, and prints each variant's share of
its server by each tool (wrk speaks HTTPS too), FastAPI ÷ Flask on every route.
"""

from __future__ import annotations

import argparse
import shutil
import sys

from rich.console import Console

from loadtests.config.options import Shared, add_proxy_arguments, out_folder, replicates
from loadtests.config.plan import RunPlan, make_plan
from loadtests.config.scenarios import FLOOR_SCENARIOS
from loadtests.env.fixture import Fixture
from loadtests.env.sampling import wait_idle
from loadtests.load import wrk
from loadtests.load.generator import Generator
from loadtests.load.trial import run_trial
from loadtests.render import crosscheck as view
from loadtests.results.crosscheck import Measured
from loadtests.session.session import Running, Session

DEFAULT_PAIR = "fastapi-granian-asgi,flask-granian-wsgi"
SHARED: tuple[Shared, ...] = ("cpus", "out", "database")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--servers", default=DEFAULT_PAIR, help="a FastAPI and a Flask server of servers.toml"
    )
    parser.add_argument(
        "--scenario", choices=["health", "product_by_id", "me", "login"], default="product_by_id"
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="per run, each generator")
    parser.add_argument("--trials", type=replicates, default=5, help="rounds (each server, each generator)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections = Locust users")
    parser.add_argument(
        "--floor", action="store_true", help="also measure each server's floor app (share by wrk)"
    )
    parser.add_argument("--wrk-only", action="store_true", help="measure with wrk alone (e.g. floor shares)")
    add_proxy_arguments(parser)


def run(args: argparse.Namespace) -> int:
    if shutil.which("wrk") is None:
        print(
            "wrk is not installed: make bench-crosscheck installs it (devtools/install-wrk.sh)",
            file=sys.stderr,
        )
        return 2
    if args.floor and args.scenario not in FLOOR_SCENARIOS:
        print(f"--floor needs a scenario with a floor: {', '.join(FLOOR_SCENARIOS)}", file=sys.stderr)
        return 2
    plan = make_plan(
        servers=args.servers.split(","),
        profile_overrides={
            "scenarios": [args.scenario],
            "floor": args.floor,
            "users": args.connections,
            "window_seconds": args.seconds,
            "max_window_seconds": max(args.seconds, 10.0),
        },
        postgres=args.postgres,
        server_cpus=args.server_cpus,
        generator_cpus=args.generator_cpus,
        out=out_folder(args),
        proxy=args.proxy,
        tls=args.tls,
        instances=args.instances,
    )
    console = Console()
    with Session.open(plan, console) as session:
        running = [
            session.serve_verified(config, target) for config in plan.servers for target in session.targets()
        ]
        generator = session.stack.enter_context(
            Generator(plan.generator_cpus, 1, session.fixture_path, plan.out / "logs" / "locust.log")
        )
        measured = measure(running, generator, session.fixture, args, plan, console)
    view.write(measured, {c.name: c for c in plan.servers}, args, plan.out, console)
    return 0


def measure(
    running: list[Running],
    generator: Generator,
    fixture: Fixture,
    args: argparse.Namespace,
    plan: RunPlan,
    console: Console,
) -> list[Measured]:
    rows = [
        Measured(
            server=r.config.name,
            target=r.target,
            scenario=args.scenario if r.target == "implementation" else FLOOR_SCENARIOS[args.scenario],
        )
        for r in running
    ]
    scripts = {
        row.scenario: wrk.script(row.scenario, fixture, plan.out / f"{row.scenario}.lua") for row in rows
    }
    for round_ in range(args.trials):
        pairs = list(zip(running, rows, strict=True))
        for served, row in pairs if round_ % 2 == 0 else reversed(pairs):
            console.print(f"round {round_ + 1}/{args.trials}: {row.server} {row.target} {row.scenario}")
            result = wrk.run(
                served.endpoint.base_url,
                scripts[row.scenario],
                args.seconds,
                args.connections,
                plan.generator_cpus,
            )
            row.wrk_rps.append(result.rps)
            row.wrk_non_2xx += result.non_2xx
            row.wrk_socket_errors += result.socket_errors
            wait_idle(served.endpoint.pids)
            if args.wrk_only:
                continue
            trial = run_trial(
                generator, served.endpoint, row.scenario, plan.profile, round_, plan.server_cpus
            )
            row.locust_rps.append(trial.rps)
            row.locust_failures += trial.failures
    return rows
