"""Run a `RunPlan`: start and verify every server, then measure the interleaved schedule.

All servers of the plan (and their floor apps) run at once, pinned to the server CPUs, each on
its own copy of the seeded database; only the one under load is busy. That is what lets the
trials of every server alternate within one scenario.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from core.settings import settings_from
from devtools.servers import ServerProcess, free_port
from loadtests import verify
from loadtests.analysis import analyse
from loadtests.databases import SeededDatabases
from loadtests.fixture import Fixture, seeded_fixture
from loadtests.generator import Generator
from loadtests.matrix import SERVER_ENV, ServerConfig, Target
from loadtests.plan import RunPlan
from loadtests.results import Cell, GeneratorInfo, Results, ServerRecord, Trial
from loadtests.sampling import machine
from loadtests.scenarios import FLOOR_SCENARIOS
from loadtests.trial import Endpoint, run_trial

PACKAGES = [
    "flask", "werkzeug", "gunicorn", "fastapi", "starlette", "anyio", "uvicorn", "uvicorn-worker", "uvloop",
    "httptools", "granian", "pydantic", "sqlalchemy", "psycopg", "pyjwt", "argon2-cffi", "locust",
]  # fmt: skip
HEALTH_PATHS: dict[Target, str] = {"implementation": "/health", "floor": "/hello"}
CEILING_SCENARIO = "floor_hello"


@dataclass
class Running:
    config: ServerConfig
    target: Target
    endpoint: Endpoint
    database_url: str
    command: list[str]
    startup_seconds: float
    refused: list[str] = field(default_factory=list)


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


class Runner:
    def __init__(self, plan: RunPlan, console: Console | None = None) -> None:
        self.plan = plan
        self.console = console or Console()
        self.settings = settings_from(SERVER_ENV)

    def targets(self) -> list[Target]:
        floors = self.plan.profile.floor and any(s in FLOOR_SCENARIOS for s in self.plan.profile.scenarios)
        return ["implementation", "floor"] if floors else ["implementation"]

    @contextmanager
    def serve(self, config: ServerConfig, target: Target, databases: SeededDatabases) -> Iterator[Running]:
        label = f"{config.name}-{target}".replace("-", "_")
        with databases.copy(label) as database_url:
            port = free_port()
            command = config.argv(self.plan.target(config.front_end, target), port)
            pinned = ["taskset", "-c", ",".join(map(str, self.plan.server_cpus)), *command]
            started = time.monotonic()
            server = ServerProcess(
                pinned, config.environment(database_url), log_path=self.plan.out / "logs" / f"{label}.log"
            )
            base_url = f"http://127.0.0.1:{port}"
            try:
                server.wait_healthy(base_url, timeout=60, path=HEALTH_PATHS[target])
                startup = time.monotonic() - started
                yield Running(
                    config, target, Endpoint(base_url, server.process.pid), database_url, command, startup
                )
            finally:
                server.stop()

    def verify(self, running: Running, fixture: Fixture) -> None:
        with httpx.Client(base_url=running.endpoint.base_url, timeout=30) as client:
            if running.target == "implementation":
                running.refused = verify.verify_implementation(
                    client, fixture, running.database_url, self.settings
                )
            else:
                running.refused = verify.verify_floor(client, running.database_url)

    def run(self) -> Results:
        plan, profile = self.plan, self.plan.profile
        (plan.out / "logs").mkdir(parents=True, exist_ok=True)
        started_at = datetime.now(UTC)
        with ExitStack() as stack:
            # The runner's own work (sampling, bookkeeping) must not take the servers' CPUs.
            stack.callback(os.sched_setaffinity, 0, os.sched_getaffinity(0))
            os.sched_setaffinity(0, plan.generator_cpus)
            self.console.print(f"Seeding a {plan.database} database {plan.seed} …")
            databases = SeededDatabases(
                plan.database, plan.out / "databases", plan.seed_spec, plan.admin_url, stack
            )
            fixture = seeded_fixture(plan.seed_spec, self.settings)
            fixture_path = fixture.write(plan.out / "fixture.json")
            servers: dict[tuple[str, Target], Running] = {}
            for config in plan.servers:
                for target in self.targets():
                    self.console.print(f"Starting {config.name} ({target}) and verifying it …")
                    running = stack.enter_context(self.serve(config, target, databases))
                    self.verify(running, fixture)
                    servers[(config.name, target)] = running
            accepted = {
                key: r
                for key, r in servers.items()
                if not r.refused and not servers[(key[0], "implementation")].refused
            }
            generator = stack.enter_context(
                Generator(
                    plan.generator_cpus,
                    plan.generator_processes,
                    fixture_path,
                    plan.out / "logs" / "locust.log",
                )
            )
            info = self.ceiling(generator, accepted)
            cells = self.measure(generator, accepted)
        return analyse(
            Results(
                started_at=started_at,
                finished_at=datetime.now(UTC),
                profile_name=plan.profile_name,
                profile=profile,
                database=plan.database,
                seed=plan.seed,
                machine=machine(plan.server_cpus, plan.generator_cpus),
                packages={**package_versions(), "python": machine([], []).python},
                generator=info,
                schedule=[f"{s}/{t}" for s, t in accepted],
                servers={
                    config.name: self.record(
                        config, {t: r for (n, t), r in servers.items() if n == config.name}
                    )
                    for config in plan.servers
                },
                cells=cells,
            )
        )

    def record(self, config: ServerConfig, targets: dict[Target, Running]) -> ServerRecord:
        refused = [f"{target}: {failure}" for target, r in targets.items() for failure in r.refused]
        return ServerRecord(
            config=config,
            command={t: r.command for t, r in targets.items()},
            startup_seconds={t: round(r.startup_seconds, 2) for t, r in targets.items()},
            db_pool_size=config.db_pool_size,
            threadpool_limit=config.threads,
            refused=refused or None,
        )

    def ceiling(self, generator: Generator, servers: dict[tuple[str, Target], Running]) -> GeneratorInfo:
        """Locust's own limit on this machine: its rate against the cheapest route there is."""
        info = GeneratorInfo(
            processes=self.plan.generator_processes, users=self.plan.profile.users, ceiling_rps=None
        )
        floor = next((r for (_, target), r in servers.items() if target == "floor"), None)
        if floor is None:
            return info
        self.console.print(
            f"Measuring the load generator's ceiling against {floor.config.name}'s floor /hello …"
        )
        run_trial(
            generator, floor.endpoint, CEILING_SCENARIO, self.plan.profile, -1, self.plan.server_cpus, 0.5
        )
        trial = run_trial(
            generator, floor.endpoint, CEILING_SCENARIO, self.plan.profile, -1, self.plan.server_cpus
        )
        return info.model_copy(
            update={
                "ceiling_rps": round(trial.rps),
                "ceiling_generator_cpu_percent": trial.generator_cpu_percent,
                "ceiling_server": floor.config.name,
            }
        )

    def measure(self, generator: Generator, servers: dict[tuple[str, Target], Running]) -> list[Cell]:
        profile = self.plan.profile
        schedule = [
            (running, scenario if target == "implementation" else FLOOR_SCENARIOS[scenario], scenario)
            for scenario in profile.scenarios
            for (_, target), running in servers.items()
            if target == "implementation" or scenario in FLOOR_SCENARIOS
        ]
        runs = len(schedule) * (profile.trials + (1 if profile.warmup_seconds else 0))
        trials: dict[tuple[str, Target, str], list[Trial]] = {}
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=self.console) as progress:
            bar = progress.add_task("benchmark", total=runs)
            for scenario in profile.scenarios:
                cells = [(r, played) for r, played, s in schedule if s == scenario]
                if profile.warmup_seconds:
                    for running, played in cells:
                        progress.update(bar, description=f"{scenario}: warm-up {running.config.name}")
                        run_trial(
                            generator,
                            running.endpoint,
                            played,
                            profile,
                            -1,
                            self.plan.server_cpus,
                            profile.warmup_seconds,
                        )
                        progress.advance(bar)
                for round_ in range(profile.trials):
                    # Alternate the direction of every round: A B C D, D C B A, …
                    for running, played in cells if round_ % 2 == 0 else reversed(cells):
                        name = f"{running.config.name} {running.target}"
                        progress.update(
                            bar, description=f"{played}: trial {round_ + 1}/{profile.trials} {name}"
                        )
                        trial = run_trial(
                            generator, running.endpoint, played, profile, round_, self.plan.server_cpus
                        )
                        trials.setdefault((running.config.name, running.target, played), []).append(trial)
                        progress.advance(bar)
        configs = {c.name: c for c in self.plan.servers}
        return [
            Cell(
                server=name,
                front_end=configs[name].front_end,
                scenario=played,
                target=target,
                trials=measured,
            )
            for (name, target, played), measured in trials.items()
        ]
