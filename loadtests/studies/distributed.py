"""`make bench-distributed`: Locust's distributed mode, proven here. A master on this machine and
two workers on test hosts the run creates (network namespaces joined by veth pairs on private
/30s, loadtests/env/dbnet.py) drive one server; in alternating rounds, a single Locust process drives
it alone. The combined numbers must match the single-process ones within ±10 % (a server-bound
cell: the server, not the generator, sets the pace).

Rates are Locust's own (requests ÷ first-to-last request of the run): the master gets its
workers' counts every 3 s, too coarse for the fixed windows of `make bench`; over 8 s at these
rates the difference is a few requests in tens of thousands.

The server and the master listen on the first test host's address on this side of its veth
pair; the second host reaches that address through its own pair. Across real machines the
command lines are the same, with real addresses (docs/network.md, "Load from several machines").
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

from rich.console import Console

from devtools.servers import REPO_ROOT, ServerProcess, free_port
from loadtests.config.options import Shared, out_folder
from loadtests.config.plan import make_plan
from loadtests.config.scenarios import LOCUSTFILE, USER_CLASSES
from loadtests.env.dbnet import NetworkUnavailable, test_host
from loadtests.render import distributed as view
from loadtests.results.distributed import WORKERS, DistributedRuns, LocustRun
from loadtests.session.session import Session


def locust(*args: str) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), *args]


def stats(prefix: Path, mode: str) -> LocustRun:
    with prefix.with_name(prefix.name + "_stats.csv").open() as file:
        row = next(r for r in csv.DictReader(file) if r["Name"] == "Aggregated")
    if not int(row["Request Count"]):
        # Seen on a run of a few seconds: the summary was written before the workers reported.
        raise SystemExit(
            f"Locust recorded no request in its {mode} run (logs/{prefix.name}.log): give it more --seconds"
        )
    return LocustRun(
        mode=mode,
        requests=int(row["Request Count"]),
        failures=int(row["Failure Count"]),
        rps=float(row["Requests/s"]),
        p50_ms=float(row["50%"]),
        p99_ms=float(row["99%"]),
    )


def run_once(
    mode: str, base_url: str, user_class: str, args: argparse.Namespace, hosts: list[str], out: Path
) -> LocustRun:
    """One headless Locust run of `args.seconds`: alone, or as a master with a worker per host."""
    prefix = out / f"{mode}-{len(list(out.glob(f'{mode}-*_stats.csv')))}"
    common = ["--headless", "-u", str(args.users), "-r", str(args.users), "-t", f"{args.seconds}s"]
    common += ["--host", base_url, "--csv", str(prefix), "--only-summary", user_class]
    env = {"BENCH_FIXTURE": str(out / "fixture.json")}
    pinned = ["taskset", "-c", ",".join(map(str, args.generator_cpus))]
    with ExitStack() as stack:
        if mode == "single":
            command = [*pinned, *locust(*common)]
        else:
            address, port = base_url.split("//")[1].split(":")[0], str(free_port())
            master = ["--master", "--master-bind-host", address, "--master-bind-port", port]
            command = [*pinned, *locust(*master, "--expect-workers", str(len(hosts)), *common)]
            for index, namespace in enumerate(hosts):
                worker = locust("--worker", "--master-host", address, "--master-port", port, user_class)
                log = out / "logs" / f"worker-{index}.log"
                process = ServerProcess(["ip", "netns", "exec", namespace, *pinned, *worker], env, log)
                stack.callback(process.stop)
        done = subprocess.run(
            command, cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT), **env},
            capture_output=True, text=True, timeout=args.seconds + 120, check=False,
        )  # fmt: skip
        (out / "logs" / f"{prefix.name}.log").write_text(done.stdout + done.stderr)
    return stats(prefix, mode)


SHARED: tuple[Shared, ...] = ("cpus", "out")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", default="flask-granian-wsgi")
    parser.add_argument("--scenario", default="product_by_id")
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2, help="pairs of runs: single, then distributed")


def run(args: argparse.Namespace) -> int:
    console = Console()
    plan = make_plan(
        servers=[args.server],
        profile_overrides={"scenarios": [args.scenario], "floor": False},
        server_cpus=args.server_cpus,
        generator_cpus=args.generator_cpus,
        out=out_folder(args),
    )
    out = plan.out
    runs: list[LocustRun] = []
    with ExitStack() as stack:
        try:
            links = [stack.enter_context(test_host()) for _ in range(WORKERS)]
        except NetworkUnavailable as reason:
            raise SystemExit(f"make bench-distributed needs network namespaces: {reason}") from None
        address = str(links[0].host_address)
        for link in links[1:]:
            via = str(link.host_address)
            subprocess.run(["ip", "-n", link.namespace, "route", "add", address, "via", via], check=True)
        # The server listens on the address the test hosts reach.
        session = stack.enter_context(Session.open(plan, console, host=address))
        base_url = session.serve_verified(plan.servers[0]).endpoint.base_url
        user_class = USER_CLASSES[args.scenario]
        for round_ in range(args.rounds):
            for mode in ("single", "distributed"):
                console.print(f"round {round_ + 1}/{args.rounds}: {mode}")
                namespaces = [link.namespace for link in links]
                runs.append(run_once(mode, base_url, user_class, args, namespaces, out))
    return report(runs, args, out, console)


def report(runs: list[LocustRun], args: argparse.Namespace, out: Path, console: Console) -> int:
    """Write the runs' files; 0 when distributed and single agree."""
    found = DistributedRuns(runs)
    view.write(found, args, out, console)
    return 0 if found.agree() else 1
