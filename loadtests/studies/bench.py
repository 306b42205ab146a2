"""Verify, then benchmark the front ends side by side (`make bench`, docs/benchmarking.md).

Every server of the profile (and its floor app) is verified over HTTP first: a server that fails
is refused, with no numbers. Then the servers are started afresh for every launch, each on a
fresh copy of one seeded database, in a random order, pinned to the server CPUs and warmed up;
per scenario each is measured once per launch, the servers of a comparison taking turns in one
trial under the same users, in slots sized from their response time. A trial counts each
server's successful responses in its own slots, once every user is asking it; turns that counted
fewer than --min-responses for a server are measured again, long enough. After the first --launches
launches the first look decides what it can; further launches measure only the comparisons still
open, while --budget allows. Intervals are Student's t over launches (the start of a server is
the unit that varies), 5 % error per comparison over the two looks.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from rich.console import Console

from loadtests.config.dataset import SeedSpec
from loadtests.config.matrix import MATRIX, Matrix
from loadtests.config.options import Shared, add_proxy_arguments, out_folder
from loadtests.config.plan import RunPlan, make_plan
from loadtests.studies import dbrtt
from loadtests.studies.report import write_reports
from loadtests.studies.runner import Runner

SHARED: tuple[Shared, ...] = ("cpus", "out", "database")


def add_arguments(p: argparse.ArgumentParser) -> None:
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
    p.add_argument("--window", type=float, help="the shortest time counted per server of a trial, s")
    p.add_argument("--min-responses", type=int, help="responses of the slowest server a trial must count")
    p.add_argument(
        "--aa",
        action="store_true",
        help="A/A run: every server against a twin of itself (same app, same command); every verdict "
        "but no-difference or inconclusive is a false one",
    )
    add_proxy_arguments(p)
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


def plan_of(args: argparse.Namespace) -> RunPlan:
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
        server_cpus=args.server_cpus,
        generator_cpus=args.generator_cpus,
        generator_processes=args.locust_workers,
        out=out_folder(args),
        aa=args.aa,
        proxy=args.proxy,
        tls=args.tls,
        instances=args.instances,
    )
    return plan.model_copy(update={"db_rtt_ms": args.db_rtt_ms})


def run(args: argparse.Namespace) -> int:
    plan = plan_of(args)
    console = Console()
    if plan.db_rtt_ms:
        runs = dbrtt.run(plan, console)
        return 2 if any(rec.refused for r in runs for rec in r.results.servers.values()) else 0
    results = Runner(plan, console).run()
    write_reports(results, plan.out, console)
    return 2 if any(record.refused for record in results.servers.values()) else 0
