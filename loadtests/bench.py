"""`make bench`: verify, then benchmark both front ends across the server matrix, side by side.

For each server of the profile, in turn: a fresh copy of one deterministically seeded database,
the server started pinned to the server CPUs, a quick contract check over HTTP (a failing
implementation is refused and gets no numbers), then for each scenario a warm-up (discarded)
and N trials of headless Locust (FastHttpUser) pinned to the generator CPUs. The same runs
against the framework's floor app measure what our own code costs. While a trial runs, the
harness samples the server's and Locust's CPU and the server's memory with psutil.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import threading
import time
import tomllib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
import psutil
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from core.auth import Passwords, Tokens
from core.db import Database
from core.settings import settings_from
from devtools.databases import fresh_database
from devtools.servers import REPO_ROOT, ServerProcess, free_port
from loadtests import report, verify
from loadtests.scenarios import FLOOR_SCENARIOS, USER_CLASSES
from loadtests.seed import ADJECTIVES, ADMIN_EMAIL, NOUNS, PASSWORD, SeedSpec, customer_email, seed

SCHEMA_VERSION = 1
MATRIX = REPO_ROOT / "loadtests" / "servers.toml"
LOCUSTFILE = REPO_ROOT / "loadtests" / "locustfile.py"
GENERATOR_BOUND_CPU = 90.0
SATURATED_CPU = 90.0
SAMPLE_SECONDS = 0.25
# Locust needs a moment to import and spawn; CPU samples before this are not the load's.
SAMPLE_SKIP_SECONDS = 0.6
PACKAGES = [
    "flask", "werkzeug", "gunicorn", "fastapi", "starlette", "uvicorn", "uvloop", "httptools", "granian",
    "pydantic", "sqlalchemy", "psycopg", "pyjwt", "argon2-cffi", "locust",
]  # fmt: skip
BENCH_SERVER_ENV = {
    "APP_ENV": "production",
    "JWT_SECRET": "benchmark-secret-not-for-production-0123456789",
    "JWT_TTL_SECONDS": "7200",
    "LOG_REQUESTS": "false",
    # OWASP's minimum for Argon2id (19 MiB, 2 iterations, 1 lane): ~30 ms a login on one core,
    # so the login scenario measures something within a short trial. The app's default is 64 MiB.
    "ARGON2_MEMORY_KIB": "19456",
    "ARGON2_TIME_COST": "2",
    "ARGON2_PARALLELISM": "1",
}
IDLE_CPU = 10.0
TOKENS = 200


@dataclass
class Profile:
    servers: list[str]
    scenarios: list[str]
    floor: bool
    warmup_seconds: int
    trial_seconds: int
    trials: int
    users: int


@dataclass
class ServerConfig:
    name: str
    front_end: str
    workers: int
    threads: int
    command: list[str]

    def argv(self, target: str, port: int) -> list[str]:
        values = {
            "target": target,
            "port": str(port),
            "workers": str(self.workers),
            "threads": str(self.threads),
        }
        executable = str(Path(sys.executable).parent / self.command[0])
        return [executable, *(part.format(**values) for part in self.command[1:])]


@dataclass
class Trial:
    rps: float
    requests: int
    failures: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    server_cpu_peak: float
    server_cpu_mean: float
    server_rss_mb_peak: float
    generator_cpu_peak: float
    generator_cpu_mean: float
    csv_prefix: str


@dataclass
class Cell:
    server: str
    front_end: str
    kind: str  # "implementation" or "floor"
    scenario: str
    command: list[str]
    locust_command: list[str]
    trials: list[Trial] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    def summarize(self) -> dict[str, Any]:
        rps = [t.rps for t in self.trials]
        return {
            "median_rps": statistics.median(rps),
            "min_rps": min(rps),
            "max_rps": max(rps),
            "p50_ms": statistics.median(t.p50_ms for t in self.trials),
            "p90_ms": statistics.median(t.p90_ms for t in self.trials),
            "p99_ms": statistics.median(t.p99_ms for t in self.trials),
            "failures": sum(t.failures for t in self.trials),
            "server_cpu_peak": max(t.server_cpu_peak for t in self.trials),
            "generator_cpu_peak": max(t.generator_cpu_peak for t in self.trials),
            "server_rss_mb_peak": max(t.server_rss_mb_peak for t in self.trials),
        }


class CpuSampler:
    """Samples the CPU% (100 = one core, averaged over the pinned cores) and RSS of a process
    tree in a background thread."""

    def __init__(self, root_pid: int, cores: int) -> None:
        self._root = psutil.Process(root_pid)
        self._cores = cores
        self._known: dict[int, psutil.Process] = {}
        self._samples: list[tuple[float, float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def processes(self) -> list[psutil.Process]:
        try:
            processes = [self._root, *self._root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []
        # Reuse Process objects so cpu_percent() measures since the previous sample.
        return [self._known.setdefault(p.pid, p) for p in processes]

    def _run(self) -> None:
        started = time.monotonic()
        for process in self.processes():
            process.cpu_percent(None)
        while not self._stop.wait(SAMPLE_SECONDS):
            cpu = rss = 0.0
            for process in self.processes():
                try:
                    cpu += process.cpu_percent(None)
                    rss += process.memory_info().rss
                except psutil.NoSuchProcess:
                    pass
            self._samples.append((time.monotonic() - started, cpu / self._cores, rss / 2**20))

    def __enter__(self) -> CpuSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def window(self, skip: float) -> list[tuple[float, float]]:
        """(cpu%, rss MiB) samples after the first `skip` seconds."""
        return [(cpu, rss) for at, cpu, rss in self._samples if at >= skip] or [(0.0, 0.0)]


def load_matrix(path: Path) -> tuple[dict[str, ServerConfig], dict[str, dict[str, str]], dict[str, Profile]]:
    raw = tomllib.loads(path.read_text())
    servers = {name: ServerConfig(name=name, **config) for name, config in raw["servers"].items()}
    profiles = {name: Profile(**config) for name, config in raw["profiles"].items()}
    return servers, raw["targets"], profiles


def machine_info(server_cpus: list[int], generator_cpus: list[int]) -> dict[str, Any]:
    cpu_model = platform.processor()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu_model": cpu_model,
        "logical_cpus": psutil.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "server_cpus": server_cpus,
        "generator_cpus": generator_cpus,
    }


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    versions["python"] = platform.python_version()
    return versions


class SeededDatabases:
    """One seeded template database; each server gets a fresh, identical copy of it."""

    def __init__(self, kind: str, workdir: Path, spec: SeedSpec, stack: ExitStack) -> None:
        self.kind, self.workdir = kind, workdir
        self.template_url = stack.enter_context(fresh_database(kind, workdir, "bench_template"))
        settings = settings_from({**BENCH_SERVER_ENV, "DATABASE_URL": self.template_url})
        database = Database(self.template_url)
        seed(database, spec, Passwords(settings).hash(PASSWORD))
        if kind == "sqlite":
            with database.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        database.dispose()

    @contextmanager
    def copy(self, label: str) -> Iterator[str]:
        if self.kind == "sqlite":
            source = Path(self.template_url.removeprefix("sqlite:///"))
            target = self.workdir / f"{label}.db"
            shutil.copyfile(source, target)
            yield f"sqlite:///{target}"
            return
        import psycopg
        from sqlalchemy.engine import make_url

        from devtools.databases import pg_admin_url

        template = make_url(self.template_url).database
        name = f"bench_{label}_{os.getpid()}".replace("-", "_")
        with psycopg.connect(pg_admin_url(), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        try:
            yield make_url(self.template_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with psycopg.connect(pg_admin_url(), autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build_fixture(base_url: str, spec: SeedSpec, path: Path) -> dict[str, Any]:
    """Tokens, credentials and cursors for the scenarios, prepared before any measurement."""
    tokens = Tokens(settings_from({**BENCH_SERVER_ENV, "DATABASE_URL": "sqlite://"}))
    customers = list(range(2, spec.users + 1))
    token_users = customers[:TOKENS]
    cursors: list[str] = []
    with httpx.Client(base_url=base_url, timeout=30) as client:
        cursor: str | None = None
        for _ in range(min(50, spec.products // 100)):
            params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
            cursor = client.get("/v1/products", params=params).json().get("next_cursor")
            if cursor is None:
                break
            cursors.append(cursor)
    fixture = {
        "tokens": [tokens.issue(user_id, "customer") for user_id in token_users],
        "token_emails": [customer_email(user_id) for user_id in token_users],
        "emails": [customer_email(user_id) for user_id in customers],
        "password": PASSWORD,
        "admin_email": ADMIN_EMAIL,
        "products": spec.products,
        "cursors": cursors,
        "words": ADJECTIVES + NOUNS,
    }
    path.write_text(json.dumps(fixture))
    return fixture


def expected_product(database_url: str) -> dict[str, Any]:
    from sqlalchemy import select

    from core.models import Product

    with Database(database_url).read() as session:
        product = session.scalars(select(Product).where(Product.id == 1)).one()
        return {
            "id": 1,
            "name": product.name,
            "description": product.description,
            "price_cents": product.price_cents,
        }


class Runner:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        servers, self.targets, profiles = load_matrix(Path(args.matrix))
        self.profile = profiles[args.profile]
        for option in ("trials", "users"):
            if getattr(args, option) is not None:
                setattr(self.profile, option, getattr(args, option))
        if args.duration is not None:
            self.profile.trial_seconds = args.duration
        if args.servers:
            self.profile.servers = args.servers.split(",")
        if args.scenarios:
            self.profile.scenarios = args.scenarios.split(",")
        unknown = set(self.profile.servers) - set(servers)
        if unknown:
            raise SystemExit(f"unknown servers {sorted(unknown)}; {MATRIX} defines {sorted(servers)}")
        for config in servers.values():
            config.workers = args.workers or config.workers
        self.servers = [servers[name] for name in self.profile.servers]
        self.server_cpus = [int(c) for c in args.server_cpus.split(",")]
        self.generator_cpus = [int(c) for c in args.generator_cpus.split(",")]
        self.out = Path(args.out or REPO_ROOT / "results" / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))
        self.console = Console()
        self.cells: list[Cell] = []
        self.refused: dict[str, list[str]] = {}
        self.sabotage = os.environ.get("BENCH_SABOTAGE") == "1"

    def target(self, front_end: str, kind: str) -> str:
        if kind == "implementation" and self.sabotage:
            return f"loadtests.sabotage:{front_end}_app"
        return self.targets[front_end][kind]

    def runs(self) -> list[tuple[ServerConfig, str, list[str]]]:
        plan = []
        for config in self.servers:
            plan.append((config, "implementation", self.profile.scenarios))
            if self.profile.floor:
                floor = [FLOOR_SCENARIOS[s] for s in self.profile.scenarios if s in FLOOR_SCENARIOS]
                if floor:
                    plan.append((config, "floor", floor))
        return plan

    def run(self) -> int:
        self.out.mkdir(parents=True, exist_ok=True)
        started_at = datetime.now(UTC)
        spec = SeedSpec(users=self.args.users_seed, products=self.args.products, orders=self.args.orders)
        kind = "postgresql" if self.args.database_url and "postgres" in self.args.database_url else "sqlite"
        if kind == "postgresql":
            os.environ["PG_ADMIN_URL"] = self.args.database_url.replace(
                "postgresql+psycopg://", "postgresql://"
            )
        plan = self.runs()
        total_trials = sum(len(scenarios) * (self.profile.trials + 1) for _, _, scenarios in plan)
        with ExitStack() as stack:
            self.console.print(
                f"[bold]Seeding[/] {kind}: {spec.users} users, {spec.products} products, {spec.orders} orders"
            )
            databases = SeededDatabases(kind, self.out / "databases", spec, stack)
            with Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=self.console,
            ) as progress:  # fmt: skip
                bar = progress.add_task("benchmark", total=total_trials)
                for config, run_kind, scenarios in plan:
                    self.bench_server(config, run_kind, scenarios, databases, spec, progress, bar)
            if kind == "sqlite":
                shutil.rmtree(self.out / "databases", ignore_errors=True)
        results = self.results(started_at, kind, spec)
        (self.out / "results.json").write_text(json.dumps(results, indent=2))
        (self.out / "summary.md").write_text(report.summary_markdown(results))
        (self.out / "report.html").write_text(report.html_report(results, self.out))
        self.print_summary(results)
        self.console.print(
            f"\nWrote [bold]{self.out}[/]: results.json, summary.md, report.html, raw/ (Locust CSVs)"
        )
        if self.refused:
            for server, failures in self.refused.items():
                self.console.print(
                    f"[bold red]REFUSED {server}[/]: failed verification, no numbers recorded:"
                )
                for failure in failures:
                    self.console.print(f"  - {failure}")
            return 2
        return 0

    def bench_server(
        self,
        config: ServerConfig,
        kind: str,
        scenarios: list[str],
        databases: SeededDatabases,
        spec: SeedSpec,
        progress: Progress,
        bar: Any,
    ) -> None:
        label = f"{config.name}-{kind}"
        cell_runs = len(scenarios) * (self.profile.trials + 1)
        if config.name in self.refused:
            progress.advance(bar, cell_runs)
            return
        progress.update(bar, description=f"{label}: starting")
        with (
            databases.copy(label.replace("-", "_")) as database_url,
            self.serve(config, kind, database_url) as running,
        ):
            server, base_url, command = running
            fixture_path = self.out / f"fixture-{label}.json"
            if kind == "implementation":
                progress.update(bar, description=f"{label}: verifying")
                fixture = build_fixture(base_url, spec, fixture_path)
                failures = verify.verify(base_url, fixture, expected_product(database_url))
                if failures:
                    self.refused[config.name] = failures
                    progress.advance(bar, cell_runs)
                    return
            else:
                build_fixture_offline(spec, fixture_path)
            for scenario in scenarios:
                cell = Cell(config.name, config.front_end, kind, scenario, command, [])
                progress.update(bar, description=f"{label}: {scenario} warm-up")
                self.locust(base_url, scenario, self.profile.warmup_seconds, fixture_path, None, server)
                progress.advance(bar)
                for trial in range(1, self.profile.trials + 1):
                    progress.update(
                        bar, description=f"{label}: {scenario} trial {trial}/{self.profile.trials}"
                    )
                    prefix = self.out / "raw" / label / f"{scenario}-trial{trial}"
                    prefix.parent.mkdir(parents=True, exist_ok=True)
                    result, cell.locust_command = self.locust(
                        base_url, scenario, self.profile.trial_seconds, fixture_path, prefix, server
                    )
                    assert result is not None
                    cell.trials.append(result)
                    progress.advance(bar)
                cell.flags = flags_for(cell)
                self.cells.append(cell)

    @contextmanager
    def serve(
        self, config: ServerConfig, kind: str, database_url: str
    ) -> Iterator[tuple[ServerProcess, str, list[str]]]:
        """Start the server pinned to the server CPUs; yield it, its URL and its command line."""
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        command = config.argv(self.target(config.front_end, kind), port)
        pinned = ["taskset", "-c", ",".join(map(str, self.server_cpus)), *command]
        log = self.out / f"{config.name}-{kind}.log"
        server = ServerProcess(pinned, {**BENCH_SERVER_ENV, "DATABASE_URL": database_url}, log_path=log)
        try:
            server.wait_healthy(
                base_url, timeout=60, path="/health" if kind == "implementation" else "/hello"
            )
            yield server, base_url, command
        finally:
            server.stop()

    def locust(
        self,
        base_url: str,
        scenario: str,
        seconds: int,
        fixture_path: Path,
        csv_prefix: Path | None,
        server: ServerProcess,
    ) -> tuple[Trial | None, list[str]]:
        users = self.profile.users
        command = [
            "taskset", "-c", ",".join(map(str, self.generator_cpus)),
            sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", base_url,
            "--users", str(users), "--spawn-rate", str(users * 20), "--run-time", f"{seconds}s",
            "--stop-timeout", "0", "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
        ]  # fmt: skip
        if self.args.locust_workers > 1:
            command += ["--processes", str(self.args.locust_workers)]
        if csv_prefix is not None:
            command += ["--csv", str(csv_prefix), "--csv-full-history", "--json-file", str(csv_prefix)]
        command.append(USER_CLASSES[scenario])
        env = {**os.environ, "BENCH_FIXTURE": str(fixture_path), "PYTHONPATH": str(REPO_ROOT)}
        if csv_prefix is not None:
            env["BENCH_TIMELINE"] = f"{csv_prefix}_timeline"
        generator = psutil.Popen(
            command, env=env, stdout=psutil.subprocess.DEVNULL, stderr=psutil.subprocess.PIPE
        )
        with (
            CpuSampler(server.process.pid, len(self.server_cpus)) as server_cpu,
            CpuSampler(generator.pid, len(self.generator_cpus)) as generator_cpu,
        ):
            _, stderr = generator.communicate(timeout=seconds + 60)
        if generator.returncode != 0:
            raise RuntimeError(f"locust failed ({generator.returncode}): {stderr.decode()[-2000:]}")
        wait_idle(server.process.pid)
        if csv_prefix is None:
            return None, command
        stats = read_final_stats(Path(f"{csv_prefix}.json"))
        server_window = server_cpu.window(SAMPLE_SKIP_SECONDS)
        generator_window = generator_cpu.window(SAMPLE_SKIP_SECONDS)
        trial = Trial(
            rps=stats["rps"],
            requests=int(stats["requests"]),
            failures=int(stats["failures"]),
            p50_ms=stats["p50"],
            p90_ms=stats["p90"],
            p99_ms=stats["p99"],
            server_cpu_peak=round(max(cpu for cpu, _ in server_window), 1),
            server_cpu_mean=round(statistics.fmean(cpu for cpu, _ in server_window), 1),
            server_rss_mb_peak=round(max(rss for _, rss in server_window), 1),
            generator_cpu_peak=round(max(cpu for cpu, _ in generator_window), 1),
            generator_cpu_mean=round(statistics.fmean(cpu for cpu, _ in generator_window), 1),
            csv_prefix=str(csv_prefix.relative_to(self.out)),
        )
        return trial, command

    def results(self, started_at: datetime, kind: str, spec: SeedSpec) -> dict[str, Any]:
        cells = [{**asdict(cell), **cell.summarize()} for cell in self.cells]
        return {
            "schema_version": SCHEMA_VERSION,
            "started_at": started_at.isoformat(),
            "finished_at": datetime.now(UTC).isoformat(),
            "profile": {"name": self.args.profile, **asdict(self.profile)},
            "database": kind,
            "seed": asdict(spec),
            "machine": machine_info(self.server_cpus, self.generator_cpus),
            "packages": package_versions(),
            "locust_workers": self.args.locust_workers,
            "thresholds": {"generator_bound_cpu": GENERATOR_BOUND_CPU, "saturated_cpu": SATURATED_CPU},
            "servers": {c.name: {**asdict(c), "refused": self.refused.get(c.name)} for c in self.servers},
            "cells": cells,
            "ratios": report.ratios(cells),
            "floor": report.floor_percentages(cells),
        }

    def print_summary(self, results: dict[str, Any]) -> None:
        table = Table(
            title="req/s: median (min–max) of trials. "
            "Flags: G generator-bound, U server not saturated, E errors"
        )
        table.add_column("scenario")
        servers = [s for s in results["servers"] if not results["servers"][s]["refused"]]
        for server in servers:
            table.add_column(server, justify="right")
        by_key = {(c["server"], c["kind"], c["scenario"]): c for c in results["cells"]}
        scenarios = [
            *self.profile.scenarios,
            *(
                FLOOR_SCENARIOS[s]
                for s in self.profile.scenarios
                if s in FLOOR_SCENARIOS and self.profile.floor
            ),
        ]
        for scenario in scenarios:
            kind = "floor" if scenario.startswith("floor_") else "implementation"
            row = [scenario]
            for server in servers:
                cell = by_key.get((server, kind, scenario))
                row.append(report.cell_text(cell) if cell else "–")
            table.add_row(*row)
        self.console.print(table)
        if results["ratios"]:
            ratio_table = Table(title="FastAPI ÷ Flask (median req/s; range from min/max trials)")
            for column in ("scenario", "fastapi server", "flask server", "ratio", "range"):
                ratio_table.add_column(column)
            for ratio in results["ratios"]:
                ratio_table.add_row(
                    ratio["scenario"],
                    ratio["fastapi_server"],
                    ratio["flask_server"],
                    f"{ratio['ratio']:.2f}",
                    f"{ratio['low']:.2f}–{ratio['high']:.2f}",
                )
            self.console.print(ratio_table)
        if results["floor"]:
            floor_table = Table(title="Implementation as % of its floor (median req/s)")
            for column in ("server", "health ÷ floor hello", "product_by_id ÷ floor read-by-id"):
                floor_table.add_column(column)
            for row in results["floor"]:
                floor_table.add_row(
                    row["server"], report.percent(row.get("health")), report.percent(row.get("product_by_id"))
                )
            self.console.print(floor_table)


def wait_idle(pid: int, timeout: float = 30.0) -> None:
    """Let the server finish requests Locust abandoned at its stop, so that the next run does
    not queue behind them (slow logins would otherwise spill into the next trial)."""
    sampler = CpuSampler(pid, 1)
    deadline = time.monotonic() + timeout
    for process in sampler.processes():
        process.cpu_percent(None)
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if sum(p.cpu_percent(None) for p in sampler.processes()) < IDLE_CPU:
            return


def build_fixture_offline(spec: SeedSpec, path: Path) -> None:
    """The floor apps need only the product id range."""
    path.write_text(json.dumps({"tokens": ["unused"], "products": spec.products}))


def read_final_stats(path: Path) -> dict[str, float]:
    """Totals over every endpoint from Locust's final JSON stats.

    (Locust writes its CSVs on a timer, so the last seconds can be missing from them; the JSON
    is written once the run has stopped.)
    """
    entries = json.loads(path.read_text())
    if not entries:
        return {"rps": 0.0, "requests": 0, "failures": 0, "p50": 0.0, "p90": 0.0, "p99": 0.0}
    requests = sum(e["num_requests"] for e in entries)
    start = min(e["start_time"] for e in entries)
    end = max(e["last_request_timestamp"] or start for e in entries)
    histogram: dict[float, int] = {}
    for entry in entries:
        for millis, count in entry["response_times"].items():
            histogram[float(millis)] = histogram.get(float(millis), 0) + count
    return {
        "rps": requests / (end - start) if end > start else 0.0,
        "requests": requests,
        "failures": sum(e["num_failures"] for e in entries),
        "p50": report.percentile(histogram, 0.50),
        "p90": report.percentile(histogram, 0.90),
        "p99": report.percentile(histogram, 0.99),
    }


def flags_for(cell: Cell) -> list[str]:
    flags = []
    if any(t.generator_cpu_peak >= GENERATOR_BOUND_CPU for t in cell.trials):
        flags.append("generator-bound")
    if any(t.server_cpu_peak < SATURATED_CPU for t in cell.trials):
        flags.append("not saturated")
    if any(t.failures for t in cell.trials):
        flags.append("errors")
    return flags


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="make bench ARGS=...", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--profile", default=os.environ.get("PROFILE", "quick"), help="a profile of servers.toml"
    )
    parser.add_argument("--matrix", default=str(MATRIX), help="the server matrix file")
    parser.add_argument("--servers", help="comma-separated server names (overrides the profile)")
    parser.add_argument("--scenarios", help="comma-separated scenarios (overrides the profile)")
    parser.add_argument("--trials", type=int, help="trials per cell (overrides the profile)")
    parser.add_argument("--duration", type=int, help="seconds per trial (overrides the profile)")
    parser.add_argument("--users", type=int, help="concurrent Locust users (overrides the profile)")
    parser.add_argument(
        "--workers", type=int, help="server worker processes for every server (overrides the matrix)"
    )
    parser.add_argument("--server-cpus", default="0", help="CPUs the server is pinned to (taskset list)")
    parser.add_argument("--generator-cpus", default="1", help="CPUs Locust is pinned to")
    parser.add_argument(
        "--locust-workers", type=int, default=1, help="Locust processes (master + N workers when > 1)"
    )
    parser.add_argument("--users-seed", type=int, default=1000, help="seeded users")
    parser.add_argument("--products", type=int, default=10_000, help="seeded products")
    parser.add_argument("--orders", type=int, default=20_000, help="seeded orders")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="a PostgreSQL server URL to benchmark on instead of SQLite",
    )
    parser.add_argument("--out", help="output folder (default results/<timestamp>)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return Runner(parse_args(argv)).run()


if __name__ == "__main__":
    sys.exit(main())
