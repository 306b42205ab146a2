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
import statistics
import sys

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from loadtests.config.options import Shared, out_folder
from loadtests.config.plan import make_plan
from loadtests.env.sampling import wait_idle
from loadtests.load import wrk
from loadtests.session.session import Refused, Session
from loadtests.stats.analysis import ratio_ci

DEFAULT_PAIR = "flask-granian-wsgi,fastapi-granian-asgi"
VARIANTS: dict[str, dict[str, str]] = {
    "plain": {"METRICS_ENABLED": "false"},
    "metrics": {"METRICS_ENABLED": "true"},
    "metrics+tracing": {"METRICS_ENABLED": "true", "OTEL_TRACES_EXPORTER": "discard"},
}


class Cell(BaseModel):
    server: str
    variant: str
    rps: list[float] = []
    failed: int = 0  # non-2xx answers and socket errors: a run with any is not a measurement


def share(cells: list[Cell], server: str, variant: str) -> tuple[float, float, float]:
    """The variant's req/s ÷ the plain req/s of the same server, round by round."""
    by_variant = {cell.variant: cell for cell in cells if cell.server == server}
    return ratio_ci(by_variant[variant].rps, by_variant["plain"].rps)


SHARED: tuple[Shared, ...] = ("cpus", "out", "database")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--servers", default=DEFAULT_PAIR, help="servers of servers.toml, comma-separated")
    parser.add_argument("--scenario", choices=["health", "product_by_id", "me"], default="product_by_id")
    parser.add_argument("--seconds", type=float, default=4.0, help="per run")
    parser.add_argument("--rounds", type=int, default=5, help="runs of each server × variant")
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
    cells = [Cell(server=config.name, variant=variant) for config in plan.servers for variant in VARIANTS]
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
    report = render(cells, args)
    (plan.out / "instrumentation.json").write_text(
        "[" + ",".join(cell.model_dump_json() for cell in cells) + "]"
    )
    (plan.out / "instrumentation.md").write_text(report)
    show(cells, args, console)
    console.print(f"Wrote {plan.out / 'instrumentation.md'} and instrumentation.json")
    return 0


def rows(cells: list[Cell]) -> list[list[str]]:
    table = []
    for server in dict.fromkeys(cell.server for cell in cells):
        plain = next(cell for cell in cells if cell.server == server and cell.variant == "plain")
        row = [server, f"{statistics.median(plain.rps):.0f}"]
        for variant in list(VARIANTS)[1:]:
            kept, low, high = share(cells, server, variant)
            row.append(f"{kept:.0%} ({low:.0%}–{high:.0%})")
        table.append(row)
    return table


HEADERS = ["server", "plain req/s (median)", "share kept with metrics", "with metrics + tracing"]


def title(args: argparse.Namespace) -> str:
    return (
        f"{args.scenario}, wrk, {args.connections} connections, {args.rounds} rounds × {args.seconds:g} s, "
        "every run a fresh start; share = variant ÷ plain, 95 % t-interval over rounds"
    )


def render(cells: list[Cell], args: argparse.Namespace) -> str:
    lines = [
        "# What instrumentation costs",
        "",
        title(args),
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|" + "---|" * len(HEADERS),
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows(cells)]
    return "\n".join(lines) + "\n"


def show(cells: list[Cell], args: argparse.Namespace, console: Console) -> None:
    table = Table(title=title(args))
    for header in HEADERS:
        table.add_column(header)
    for row in rows(cells):
        table.add_row(*row)
    console.print(table)
