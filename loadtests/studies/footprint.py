"""`make footprint`: what each front end brings with it — the packages its app loads beyond the
core's, their installed size, the time to import and build the app, and one idle server's memory.

Packages and import time come from fresh interpreters that build each front end's app (and, for
the baseline, import the core's services): a package counts when a module it installed was
loaded (loadtests/env/footprint.py). Memory is the USS (memory no other process shares) of each
server of the profile after a few requests, started as `make bench` starts it.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from datetime import UTC, datetime

import httpx
from rich.console import Console

from loadtests.config.matrix import ServerConfig
from loadtests.config.options import Shared
from loadtests.config.plan import servers_plan
from loadtests.env.footprint import package, probe
from loadtests.env.sampling import machine, memory_of
from loadtests.render import footprint as view
from loadtests.results.footprint import FootprintResults, FrontEndFootprint, IdleServer
from loadtests.session.session import Session

# The baseline: what every front end loads anyway, through the core.
CORE = ["core.services.orders", "core.services.products", "core.services.users", "core.db"]
WARM_PATHS = ["/health", "/v1/products?limit=5", "/v1/products/1"]
WARM_REQUESTS = 20  # per path: lazy imports and first-call caches happen before memory is read

SHARED: tuple[Shared, ...] = ("cpus", "out")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", default="quick", help="whose servers (servers.toml) are started")
    parser.add_argument("--servers", help="comma-separated server names (overrides the profile)")
    parser.add_argument("--runs", type=int, default=5, help="fresh interpreters per import timing")


def run(args: argparse.Namespace) -> int:
    console = Console()
    plan = servers_plan(args)
    started_at = datetime.now(UTC)
    with Session.open(plan, console) as session:
        front_ends = sorted({config.front_end for config in plan.servers})
        factories: dict[str, list[str]] = {
            name: [plan.targets[name]["implementation"]] for name in front_ends
        }
        with session.databases.copy("footprint") as database_url:
            env = {**os.environ, **plan.servers[0].environment(database_url)}
            console.print(f"Importing the core and {len(factories)} front ends, {args.runs} times each …")
            seconds, loaded = imports({"core": CORE, **factories}, env, args.runs)
        measured = [
            FrontEndFootprint(
                front_end=name,
                factory=factory,
                packages=[package(dist) for dist in sorted(loaded[name] - loaded["core"])],
                import_seconds=seconds[name],
                core_import_seconds=seconds["core"],
            )
            for name, (factory,) in factories.items()
        ]
        servers = [idle(session, config) for config in plan.servers]
    results = FootprintResults(
        started_at=started_at,
        machine=machine(plan.server_cpus, plan.generator_cpus),
        python=platform.python_version(),
        core_packages=[package(name) for name in sorted(loaded["core"])],
        front_ends=measured,
        servers=servers,
    )
    view.write(results, plan.out, console)
    return 0


def imports(
    groups: dict[str, list[str]], env: dict[str, str], runs: int
) -> tuple[dict[str, list[float]], dict[str, set[str]]]:
    """Per group of import targets: the seconds of `runs` fresh imports, taken in turn with the
    other groups' (a busy spell of the machine then falls on all of them), and the distributions
    they load."""
    seconds: dict[str, list[float]] = {name: [] for name in groups}
    loaded: dict[str, set[str]] = {}
    for _ in range(runs):
        for name, targets in groups.items():
            took, loaded[name] = probe(targets, env)
            seconds[name].append(round(took, 3))
    return seconds, loaded


def idle(session: Session, config: ServerConfig) -> IdleServer:
    """One server, started as `make bench` starts it, after a few requests and a second's rest."""
    with session.serve(config) as running, httpx.Client(base_url=running.endpoint.base_url) as client:
        for path in WARM_PATHS:
            for _ in range(WARM_REQUESTS):
                client.get(path)
        time.sleep(1.0)
        readings = memory_of(running.endpoint.pid)
    # The serving processes: the workers under a master, or the server itself when it has none.
    workers = readings[1:] or readings
    session.console.print(f"{config.name}: {len(readings)} processes")
    return IdleServer(
        server=config.name,
        front_end=config.front_end,
        worker_uss_mib=statistics.median(r.uss_mib for r in workers),
        worker_pss_mib=statistics.median(r.pss_mib for r in workers),
        tree_uss_mib=round(sum(r.uss_mib for r in readings), 1),
    )
