"""Run a `RunPlan`: start and verify every server, then measure the interleaved schedule.

All servers of the plan (and their floor apps) run at once, pinned to the server CPUs, each on
its own copy of the seeded database; only the one under load is busy. That is what lets the
trials of every server alternate within one scenario. The servers are started `launches` times
(each time afresh, on fresh database copies), and the trials are split among the launches.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from core.settings import settings_from
from devtools.servers import REPO_ROOT, ServerProcess, free_port
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
PROGRESS_COLUMNS = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())


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


def revision() -> str | None:
    """The commit of the code being measured, `-dirty` when it has uncommitted changes."""
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return described.stdout.strip() or None


class Runner:
    def __init__(self, plan: RunPlan, console: Console | None = None) -> None:
        self.plan = plan
        self.console = console or Console()
        self.settings = settings_from(SERVER_ENV)

    def targets(self) -> list[Target]:
        floors = self.plan.profile.floor and any(s in FLOOR_SCENARIOS for s in self.plan.profile.scenarios)
        return ["implementation", "floor"] if floors else ["implementation"]

    @contextmanager
    def serve(
        self,
        config: ServerConfig,
        target: Target,
        databases: SeededDatabases,
        env: dict[str, str] | None = None,
        role: str = "",
    ) -> Iterator[Running]:
        """`env`: settings to change for this start (the resilience faults' small pools);
        `role`: names this start's log apart (the verification start's)."""
        label = f"{config.name}-{target}{role}".replace("-", "_")
        with databases.copy(label) as database_url:
            port = free_port()
            command = config.argv(self.plan.target(config.front_end, target), port)
            pinned = ["taskset", "-c", ",".join(map(str, self.plan.server_cpus)), *command]
            started = time.monotonic()
            server = ServerProcess(
                pinned,
                {**config.environment(database_url), **(env or {})},
                log_path=self.plan.out / "logs" / f"{label}.log",
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

    def verify(
        self, config: ServerConfig, target: Target, databases: SeededDatabases, fixture: Fixture
    ) -> list[str]:
        """What is wrong with `config` (empty: it passes the gate), from a start of its own: on
        its own database copy (the checks write) and with verify.VERIFY_ENV (the SQL count
        header), which the measured starts go without."""
        with (
            self.serve(config, target, databases, env=verify.VERIFY_ENV, role="-verify") as running,
            httpx.Client(base_url=running.endpoint.base_url, timeout=30) as client,
        ):
            if target == "implementation":
                return verify.verify_implementation(client, fixture, running.database_url, self.settings)
            return verify.verify_floor(client, running.database_url)

    def launch(
        self, stack: ExitStack, databases: SeededDatabases, fixture: Fixture, *, check: bool
    ) -> dict[tuple[str, Target], Running]:
        """Start every server of the plan and its floor, each on a fresh database copy; `check`:
        verify them too (the first launch: the code does not change between launches)."""
        servers: dict[tuple[str, Target], Running] = {}
        for config in self.plan.servers:
            for target in self.targets():
                self.console.print(
                    f"Starting {config.name} ({target}){' and verifying it' if check else ''} …"
                )
                refused = self.verify(config, target, databases, fixture) if check else []
                running = stack.enter_context(self.serve(config, target, databases))
                running.refused = refused
                servers[(config.name, target)] = running
        return servers

    def run(self) -> Results:
        plan, profile = self.plan, self.plan.profile
        (plan.out / "logs").mkdir(parents=True, exist_ok=True)
        started_at = datetime.now(UTC)
        launches: list[dict[tuple[str, Target], Running]] = []
        trials: dict[tuple[str, Target, str], list[Trial]] = {}
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
            generator = stack.enter_context(
                Generator(
                    plan.generator_cpus,
                    plan.generator_processes,
                    fixture_path,
                    plan.out / "logs" / "locust.log",
                )
            )
            progress = stack.enter_context(Progress(*PROGRESS_COLUMNS, console=self.console))
            for launch in range(profile.launches):
                # A server process's speed varies from one start to the next (FastAPI's threadpool
                # servers by up to ±10 % here), so the trials span several starts and the
                # intervals include that variation.
                with ExitStack() as launched:
                    servers = self.launch(launched, databases, fixture, check=not launches)
                    launches.append(servers)
                    accepted = {
                        key: running
                        for key, running in servers.items()
                        if not launches[0][key].refused
                        and not launches[0][(key[0], "implementation")].refused
                    }
                    if launch == 0:
                        info = self.ceiling(generator, accepted)
                        bar = progress.add_task("benchmark", total=self.runs(len(self.schedule(accepted))))
                    self.measure(generator, self.schedule(accepted), launch, trials, progress, bar)
        configs = {c.name: c for c in plan.servers}
        cells = [
            Cell(
                server=name,
                front_end=configs[name].front_end,
                scenario=played,
                target=target,
                trials=measured,
            )
            for (name, target, played), measured in trials.items()
        ]
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
                revision=revision(),
                generator=info,
                schedule=[f"{name}/{target}" for name, target in accepted],
                servers={
                    config.name: self.record(
                        config, [{t: r for (n, t), r in ran.items() if n == config.name} for ran in launches]
                    )
                    for config in plan.servers
                },
                cells=cells,
            )
        )

    def record(self, config: ServerConfig, launches: list[dict[Target, Running]]) -> ServerRecord:
        """What the server was, its refusals (first launch) and its median start-up time."""
        targets = launches[0]
        refused = [f"{target}: {failure}" for target, r in targets.items() for failure in r.refused]
        return ServerRecord(
            config=config,
            command={t: r.command for t, r in targets.items()},
            startup_seconds={
                t: round(statistics.median(ran[t].startup_seconds for ran in launches), 2) for t in targets
            },
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

    def schedule(self, servers: dict[tuple[str, Target], Running]) -> list[tuple[Running, str, str]]:
        """(server, scenario played, scenario) for every cell: a floor plays its own scenario."""
        return [
            (running, scenario if target == "implementation" else FLOOR_SCENARIOS[scenario], scenario)
            for scenario in self.plan.profile.scenarios
            for (_, target), running in servers.items()
            if target == "implementation" or scenario in FLOOR_SCENARIOS
        ]

    def runs(self, cells: int) -> int:
        profile = self.plan.profile
        warmups = profile.launches if profile.warmup_seconds else 0
        return cells * (profile.trials + warmups)

    def measure(
        self,
        generator: Generator,
        schedule: list[tuple[Running, str, str]],
        launch: int,
        trials: dict[tuple[str, Target, str], list[Trial]],
        progress: Progress,
        bar: TaskID,
    ) -> None:
        """One launch's share of the trials: per scenario, a warm-up of every cell, then rounds
        of one trial per cell, each round in the opposite order of the one before (A B C D,
        D C B A, …)."""
        profile = self.plan.profile
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
            for round_ in profile.rounds_of_launch(launch):
                for running, played in cells if round_ % 2 == 0 else reversed(cells):
                    name = f"{running.config.name} {running.target}"
                    progress.update(bar, description=f"{played}: trial {round_ + 1}/{profile.trials} {name}")
                    trial = run_trial(
                        generator, running.endpoint, played, profile, round_, self.plan.server_cpus
                    )
                    trials.setdefault((running.config.name, running.target, played), []).append(trial)
                    progress.advance(bar)
