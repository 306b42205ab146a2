"""`make bench-instrumentation`: what metrics and tracing cost each framework.

Each server of the pair runs one scenario under wrk three ways: plain (METRICS_ENABLED=false,
as `make bench` runs it), with metrics (/metrics on: every request counted, timed and its SQL
counted), and with metrics and tracing (OTEL_TRACES_EXPORTER=discard: every span made, then
dropped, so the figure is the instrumentation's own cost, not an exporter's). Every run is a
fresh start of the server, the order of the three rotating between rounds; the share a variant
keeps is its req/s ÷ the plain req/s of the same round, with the 95 % t-interval over rounds of
the log ratio (loadtests/stats/intervals.py).
"""

from __future__ import annotations

import argparse
import shutil
import sys

from rich.console import Console

from loadtests.config.options import Shared, out_folder, replicates
from loadtests.config.plan import make_plan
from loadtests.env.sampling import wait_idle
from loadtests.load import wrk
from loadtests.render import instrumentation as view
from loadtests.results.instrumentation import VariantRuns
from loadtests.session.session import Refused, Session

DEFAULT_PAIR = "flask-granian-wsgi,fastapi-granian-asgi"
VARIANTS: dict[str, dict[str, str]] = {
    "plain": {"METRICS_ENABLED": "false"},
    "metrics": {"METRICS_ENABLED": "true"},
    "metrics+tracing": {"METRICS_ENABLED": "true", "OTEL_TRACES_EXPORTER": "discard"},
}


SHARED: tuple[Shared, ...] = ("cpus", "out", "database")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--servers", default=DEFAULT_PAIR, help="servers of servers.toml, comma-separated")
    parser.add_argument("--scenario", choices=["health", "product_by_id", "me"], default="product_by_id")
    parser.add_argument("--seconds", type=float, default=4.0, help="per run")
    parser.add_argument("--rounds", type=replicates, default=5, help="runs of each server × variant")
    parser.add_argument("--connections", type=int, default=32)


def run(args: argparse.Namespace) -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed: make bench-instrumentation installs it", file=sys.stderr)
        return 2
    plan = make_plan(
        servers=args.servers.split(","),
        profile_overrides={"scenarios": [args.scenario], "floor": False},
        postgres=args.postgres,
        server_cpus=args.server_cpus,
        generator_cpus=args.generator_cpus,
        out=out_folder(args),
    )
    console = Console()
    cells = [VariantRuns(server=c.name, variant=variant) for c in plan.servers for variant in VARIANTS]
    with Session.open(plan, console) as session:
        script = wrk.script(args.scenario, session.fixture, plan.out / f"{args.scenario}.lua")
        for config in plan.servers:
            if failures := session.verify(config):
                raise Refused(config, "implementation", failures)
        for round_ in range(args.rounds):
            for config in plan.servers:
                variants = list(VARIANTS)
                variants = variants[round_ % 3 :] + variants[: round_ % 3]
                for variant in variants:
                    cell = next(c for c in cells if c.server == config.name and c.variant == variant)
                    with session.serve(config, env=VARIANTS[variant]) as served:
                        result = wrk.run(
                            served.endpoint.base_url,
                            script,
                            args.seconds,
                            args.connections,
                            plan.generator_cpus,
                        )
                        wait_idle([served.endpoint.pid])
                    cell.rps.append(result.rps)
                    cell.failed += result.non_2xx + result.socket_errors
                    console.print(
                        f"round {round_ + 1}/{args.rounds}: {config.name} {variant}: {result.rps:.0f} req/s"
                    )
    failed = [f"{cell.server} {cell.variant}: {cell.failed}" for cell in cells if cell.failed]
    if failed:
        console.print(f"[red]Runs with failed requests, no shares computed:[/] {'; '.join(failed)}")
        return 1
    view.write(cells, args, plan.out, console)
    return 0
