"""The setup every study shares, in one object: its output folder and logs, the harness pinned
to the generator CPUs, one seeded database with a fresh copy per server start, the fixture (the
scenarios' test data), and the server pool: start a server on any host address, verify it over
HTTP (the gate), start several at once and pin them to the server CPUs.

A study opens a session (`Session.open`), asks it for servers, and measures them.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
from rich.console import Console

from core.settings import Settings, settings_from
from devtools.servers import ServerProcess, free_port
from loadtests.config.matrix import SERVER_ENV, ServerConfig, Target
from loadtests.config.plan import RunPlan
from loadtests.config.scenarios import FLOOR_SCENARIOS
from loadtests.env.databases import SeededDatabases, in_memory
from loadtests.env.fixture import Fixture, seeded_fixture
from loadtests.env.proxy import Certificate, reverse_proxy, self_signed, trust
from loadtests.env.sampling import tree
from loadtests.gate import verify
from loadtests.load.trial import Endpoint

HEALTH_PATHS: dict[Target, str] = {"implementation": "/health", "floor": "/hello"}
LOCALHOST = "127.0.0.1"
Key = tuple[str, Target]  # a server process: (server name, implementation or floor)


class Refused(SystemExit):
    """A server failed the verification gate: no numbers for it."""

    def __init__(self, config: ServerConfig, target: Target, failures: list[str]) -> None:
        super().__init__(f"REFUSED {config.name} {target}: " + "; ".join(failures))


@dataclass
class Running:
    config: ServerConfig
    target: Target
    endpoint: Endpoint
    database_url: str
    command: list[str]
    startup_seconds: float
    refused: list[str] = field(default_factory=list)
    certificate: Certificate | None = None  # over HTTPS: the run's self-signed one

    def client(self, timeout: float = 30) -> httpx.Client:
        """An HTTP client of this server (through its proxy), trusting its certificate."""
        return httpx.Client(base_url=self.endpoint.base_url, timeout=timeout, verify=trust(self.certificate))


@dataclass(frozen=True)
class Process:
    """One healthy server process: where it listens, its pid, its command line."""

    base_url: str
    pid: int
    command: list[str]


def pin(pid: int, cpus: list[int]) -> None:
    """Move every thread of a process tree to `cpus` (threads it starts later inherit them)."""
    for process in tree([pid]):
        try:
            for thread in process.threads():
                os.sched_setaffinity(thread.id, cpus)
        except (psutil.NoSuchProcess, ProcessLookupError):
            continue


@dataclass
class Session:
    plan: RunPlan
    console: Console
    stack: ExitStack
    databases: SeededDatabases
    fixture: Fixture
    fixture_path: Path
    settings: Settings
    host: str = LOCALHOST

    @classmethod
    @contextmanager
    def open(
        cls, plan: RunPlan, console: Console | None = None, *, memory: bool = False, host: str = LOCALHOST
    ) -> Iterator[Session]:
        """`memory`: SQLite copies in /dev/shm (the benchmark's: no fsync stalls in a window);
        `host`: the address the servers listen on (a test host's, for a distributed run)."""
        console = console or Console()
        settings = settings_from(SERVER_ENV)
        (plan.out / "logs").mkdir(parents=True, exist_ok=True)
        with ExitStack() as stack:
            # The harness's own work (clients, sampling, bookkeeping) must not take the servers' CPUs.
            stack.callback(os.sched_setaffinity, 0, os.sched_getaffinity(0))
            os.sched_setaffinity(0, plan.generator_cpus)
            console.print(f"Seeding a {plan.database} database {plan.seed} …")
            folder = in_memory(stack, plan.out / "databases") if memory else plan.out / "databases"
            databases = SeededDatabases(plan.database, folder, plan.seed_spec, plan.admin_url, stack)
            fixture = seeded_fixture(plan.seed_spec, settings)
            fixture_path = fixture.write(plan.out / "fixture.json")
            yield cls(plan, console, stack, databases, fixture, fixture_path, settings, host)

    @property
    def out(self) -> Path:
        return self.plan.out

    def moved_to(self, out: Path) -> Session:
        """The same session writing its logs under `out` (a resilience fault's folder)."""
        (out / "logs").mkdir(parents=True, exist_ok=True)
        return dataclasses.replace(self, plan=self.plan.model_copy(update={"out": out}))

    def targets(self) -> list[Target]:
        profile = self.plan.profile
        floors = profile.floor and any(s in FLOOR_SCENARIOS for s in profile.scenarios)
        return ["implementation", "floor"] if floors else ["implementation"]

    def all_cpus(self) -> list[int]:
        return sorted(set(self.plan.server_cpus) | set(self.plan.generator_cpus))

    @contextmanager
    def serve(
        self,
        config: ServerConfig,
        target: Target = "implementation",
        *,
        env: dict[str, str] | None = None,
        role: str = "",
        cpus: list[int] | None = None,
        databases: SeededDatabases | None = None,
    ) -> Iterator[Running]:
        """A fresh start of `config` on its own copy of the database: its instances, and nginx in
        front of them when it has a proxy. `env`: settings to change for this start; `role`:
        names its log apart; `cpus`: where it runs (default: the server CPUs); `databases`:
        another seeded database (a resilience fault's PostgreSQL)."""
        label = f"{config.name}-{target}{role}".replace("-", "_")
        cpus = cpus or self.plan.server_cpus
        with (databases or self.databases).copy(label) as database_url, ExitStack() as stack:
            started = time.monotonic()
            # Several instances share the copy, as a fleet shares its database.
            names = [label] if config.instances == 1 else [f"{label}_{i}" for i in range(config.instances)]
            certificate = None
            if config.own_tls:
                folder = self.out / "tls" / label
                folder.mkdir(parents=True, exist_ok=True)
                certificate = self_signed(folder, self.host)
            servers = [
                stack.enter_context(self.process(config, target, database_url, env, name, cpus, certificate))
                for name in names
            ]
            proxy = None
            if config.proxy:
                folder = self.out / "proxy" / label
                urls = [server.base_url for server in servers]
                # One nginx worker per server CPU, as nginx's `worker_processes auto` would.
                proxy = stack.enter_context(
                    reverse_proxy(urls, folder, tls=config.tls, workers=len(self.plan.server_cpus), cpus=cpus)
                )
            first = servers[0]
            endpoint = Endpoint(
                proxy.base_url if proxy else first.base_url,
                first.pid,
                others=tuple(server.pid for server in servers[1:]),
                proxy_pid=proxy.pid if proxy else None,
            )
            startup = time.monotonic() - started
            if proxy:
                certificate = proxy.certificate
            yield Running(
                config, target, endpoint, database_url, first.command, startup, certificate=certificate
            )

    @contextmanager
    def process(
        self,
        config: ServerConfig,
        target: Target,
        database_url: str,
        env: dict[str, str] | None,
        label: str,
        cpus: list[int],
        certificate: Certificate | None = None,
    ) -> Iterator[Process]:
        """One process of `config` on `database_url`, healthy, serving HTTPS with `certificate`
        when given; stopped at the end."""
        port = free_port()
        app = self.plan.target(config.front_end, target)
        tls = (certificate.cert_path, certificate.key_path) if certificate else (None, None)
        argv = config.argv(app, port, *tls)
        # The matrix's command lines listen on 127.0.0.1; a test host's run listens on its address.
        command = [part.replace(LOCALHOST, self.host) for part in argv]
        server = ServerProcess(
            ["taskset", "-c", ",".join(map(str, cpus)), *command],
            {**config.environment(database_url), **(env or {})},
            log_path=self.out / "logs" / f"{label}.log",
        )
        base_url = f"{'https' if certificate else 'http'}://{self.host}:{port}"
        try:
            server.wait_healthy(base_url, timeout=60, path=HEALTH_PATHS[target], verify=trust(certificate))
            yield Process(base_url, server.process.pid, command)
        finally:
            server.stop()

    def verify(
        self, config: ServerConfig, target: Target = "implementation", cpus: list[int] | None = None
    ) -> list[str]:
        """What is wrong with `config` (empty: it passes the gate), from a start of its own: on
        its own database copy (the checks write) and with verify.VERIFY_ENV (the SQL count
        header), which the measured starts go without."""
        with (
            self.serve(config, target, env=verify.VERIFY_ENV, role="-verify", cpus=cpus) as running,
            running.client() as client,
        ):
            if target == "implementation":
                return verify.verify_implementation(client, self.fixture, running.database_url, self.settings)
            return verify.verify_floor(client, running.database_url)

    def verify_all(self, keys: list[tuple[ServerConfig, Target]]) -> dict[Key, list[str]]:
        """The gate for each of `keys`, one per CPU at a time (nothing is measured yet)."""
        self.console.print(f"Verifying {len(keys)} servers …")
        with ThreadPoolExecutor(max(2, len(self.all_cpus()))) as pool:
            found = pool.map(lambda key: self.verify(key[0], key[1], self.all_cpus()), keys)
            return {
                (config.name, target): refused for (config, target), refused in zip(keys, found, strict=True)
            }

    def serve_verified(
        self, config: ServerConfig, target: Target = "implementation", env: dict[str, str] | None = None
    ) -> Running:
        """Verify `config`, then start it for measuring, running until the session closes;
        a server that fails the gate ends the study (`Refused`)."""
        self.console.print(f"Verifying {config.name} {target} …")
        if failures := self.verify(config, target):
            raise Refused(config, target, failures)
        return self.stack.enter_context(self.serve(config, target, env=env))

    def start(self, stack: ExitStack, keys: list[Key]) -> dict[Key, Running]:
        """Start these servers at once on every CPU (start-up is the harness's time, not a
        measurement), then pin each to the server CPUs; they stop with `stack`."""
        configs = {c.name: c for c in self.plan.servers}
        contexts = {key: self.serve(configs[key[0]], key[1], cpus=self.all_cpus()) for key in keys}
        with ThreadPoolExecutor(len(keys)) as pool:
            futures = {key: pool.submit(contexts[key].__enter__) for key in keys}
        failed: BaseException | None = None
        servers: dict[Key, Running] = {}
        for key, future in futures.items():
            if (error := future.exception()) is not None:
                failed = error
                continue
            servers[key] = future.result()
            stack.push(contexts[key].__exit__)
        if failed:
            raise failed
        for running in servers.values():
            for pid in running.endpoint.pids:
                pin(pid, self.plan.server_cpus)
        return servers
