"""`make deploy-drill`: a migration, a rolling deploy, a bad release and a canary, under load
behind nginx.

Per server of the profile: two instances (`--instances`) of release N behind a private nginx
(loadtests/env/proxy.py), sharing a database one migration behind the newest, k6 offering a
steady open-loop rate of product reads. The newest migration is applied while release N serves
(expand), then release N+1 is rolled out one instance at a time — start it, wait for `/ready`,
move nginx's upstream to it with a graceful reload (old nginx workers finish their requests),
stop the old instance (SIGTERM) — while the load runs. Then a bad release (its database
unreachable, so `/ready` answers 503) is started: it never becomes ready (three 503s in a row,
or no 200 in 10 s), so it is refused and stopped before nginx sends it anything, and the fleet
stays on N+1. Last, a canary that is ready but answers 503s (its database was never migrated)
joins the fleet; nginx's upstream log shows its answers, and over 1 % of 5xx among 10 or more
rolls it back. The report gives, per server: failed requests by kind (the goal is none, the
canary's phase apart), p99 during the drill against the steady p99 before it, the times of the
migration, the rollout and the refusal, and what the canary cost before its rollback. Both
releases run the same code: the drill measures the deployment, not a code change.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from rich.console import Console

from core.migrate import downgrade, head_and_previous, upgrade
from loadtests.config.matrix import ServerConfig
from loadtests.config.options import Shared
from loadtests.config.plan import servers_plan
from loadtests.env.proxy import Proxy, nginx_version, reverse_proxy
from loadtests.env.sampling import machine
from loadtests.load import k6
from loadtests.render import deploy as view
from loadtests.results.bench import K6Step
from loadtests.results.deploy import DeployResults, Drill
from loadtests.session.session import Running, Session

SHARED: tuple[Shared, ...] = ("cpus", "out")
READY_TIMEOUT_SECONDS = 10.0  # a release not ready by then is refused
READY_FAILURES, READY_PERIOD_SECONDS = 3, 0.5  # or sooner: three 503s from /ready in a row
REQUEST_TIMEOUT_SECONDS = 10.0
WARM_SECONDS = 2.0  # load before the steady phase, not counted
LEAD_SECONDS = 2.0  # load before the first step and after the last one
MAX_SECONDS = 600.0  # the drill's load stops when the drill ends, at the latest after this
# A release whose database cannot be reached: it starts and is alive, but never ready.
BAD_RELEASE_ENV = {"DATABASE_URL": "postgresql://shop@127.0.0.1:9/shop"}  # nothing listens on port 9
CANARY_SECONDS = 10.0  # a canary that fails nothing for this long would be kept
CANARY_PERIOD_SECONDS = 0.1  # how often its answers are read
CANARY_MIN_ANSWERS, CANARY_MAX_ERROR_SHARE = 10, 0.01  # rolled back: over 1 % 5xx in 10 answers or more
K6Run = tuple[K6Step, dict[str, int]]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", default="quick", help="whose servers (servers.toml) are drilled")
    parser.add_argument("--servers", help="comma-separated server names (overrides the profile)")
    parser.add_argument("--instances", type=int, default=2, help="instances behind nginx (at least 2)")
    parser.add_argument("--rate", type=float, default=100.0, help="offered load, req/s")
    parser.add_argument("--steady-seconds", type=float, default=10.0, help="load before the drill")


def run(args: argparse.Namespace) -> int:
    if args.instances < 2:
        raise SystemExit("a rolling deploy needs at least two instances")
    console = Console()
    plan = servers_plan(args)
    k6.check_binary()
    started_at = datetime.now(UTC)
    with Session.open(plan, console) as session:
        drills = [
            drill(session, config, args.instances, args.rate, args.steady_seconds) for config in plan.servers
        ]
    results = DeployResults(
        started_at=started_at,
        machine=machine(plan.server_cpus, plan.generator_cpus),
        rate=args.rate,
        proxy=nginx_version(),
        drills=drills,
    )
    view.write(results, plan.out, console)
    passed = [
        d.failed == 0 and d.rolled_out and d.bad_release_refused and d.canary_rolled_back for d in drills
    ]
    return 0 if all(passed) else 1


def ready(base_url: str, timeout: float) -> bool:
    """Whether a release is ready: GET /ready answers 200 within `timeout` seconds. As a
    readiness probe does, READY_FAILURES answers of 503 in a row (READY_PERIOD apart) refuse it
    sooner; a connection that fails does not count (the server may still be starting)."""
    deadline, failures = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        try:
            status = httpx.get(f"{base_url}/ready", timeout=1.0).status_code
        except httpx.HTTPError:
            status = None
        if status == 200:
            return True
        failures = failures + 1 if status == 503 else 0
        if failures >= READY_FAILURES:
            return False
        time.sleep(READY_PERIOD_SECONDS)
    return False


@contextmanager
def under_load(base_url: str, script: Path, rate: float, cpus: list[int]) -> Iterator[list[K6Run]]:
    """k6 offering `rate` through the block, from LEAD_SECONDS before it to LEAD_SECONDS after;
    the list holds its step and errors by kind once the block has ended."""
    stop = threading.Event()
    measured: list[K6Run] = []
    load = threading.Thread(
        target=lambda: measured.append(k6.run_until(base_url, script, rate, stop, MAX_SECONDS, cpus))
    )
    load.start()
    try:
        time.sleep(LEAD_SECONDS)
        yield measured
        time.sleep(LEAD_SECONDS)
    finally:
        stop.set()
        load.join()


@dataclass
class Canary:
    answers: list[int]  # the statuses of the canary's answers through nginx
    rolled_back: bool
    seconds: float  # in nginx's list → out of it again


def canary(session: Session, config: ServerConfig, proxy: Proxy, fleet: list[str]) -> Canary:
    """A release that passes /ready but answers errors (its database was never migrated: each query
    fails, and the app answers 503) joins
    the fleet as a canary; the upstream log gives its answers, and once CANARY_MIN_ANSWERS of
    them hold more than CANARY_MAX_ERROR_SHARE of 5xx it is rolled back: nginx's list goes back
    to `fleet` and the canary stops. One that passes CANARY_SECONDS would stay (not here)."""
    unmigrated = {"DATABASE_URL": f"sqlite:///{session.out / 'databases' / 'canary-unmigrated.db'}"}
    bad = Instance(session, config, "-canary", unmigrated)
    try:
        if not ready(bad.url, READY_TIMEOUT_SECONDS):
            raise RuntimeError(f"{config.name}: the canary was not ready in {READY_TIMEOUT_SECONDS} s")
        began = time.monotonic()
        proxy.reload([*fleet, bad.url])
        failing = False
        while not failing and time.monotonic() - began < CANARY_SECONDS:
            time.sleep(CANARY_PERIOD_SECONDS)
            answers = proxy.answers_of(bad.url)
            errors = sum(status >= 500 for status in answers)
            failing = len(answers) >= CANARY_MIN_ANSWERS and errors > CANARY_MAX_ERROR_SHARE * len(answers)
        if failing:
            proxy.reload(fleet)
        seconds = time.monotonic() - began
    finally:
        bad.stop()
    return Canary(proxy.answers_of(bad.url), failing, seconds)


class Instance:
    """One server process of a release, stopped on its own (before the others, mid-drill)."""

    def __init__(self, session: Session, config: ServerConfig, role: str, env: dict[str, str] | None = None):
        self._stack = ExitStack()
        self.running: Running = self._stack.enter_context(session.serve(config, role=role, env=env))

    @property
    def url(self) -> str:
        return self.running.endpoint.base_url

    def stop(self) -> None:
        self._stack.close()


def drill(
    session: Session, config: ServerConfig, instances: int, rate: float, steady_seconds: float
) -> Drill:
    console, cpus = session.console, session.plan.generator_cpus
    console.print(f"{config.name}: {instances} instances behind nginx, {rate:g} req/s")
    script = k6.classified_script(
        session.fixture, session.out / f"{config.name}-drill.js", REQUEST_TIMEOUT_SECONDS
    )
    with ExitStack() as stack:
        # The fleet shares one database, one migration behind: release N+1 brings the newest.
        head, previous = head_and_previous()
        shared = stack.enter_context(session.databases.copy(f"{config.name}-fleet"))
        downgrade(shared, previous)
        fleet_env = {"DATABASE_URL": shared}
        fleet = [Instance(session, config, f"-n{i}", fleet_env) for i in range(instances)]
        originals = {i.url for i in fleet}
        for instance in fleet:
            stack.callback(instance.stop)
        proxy = stack.enter_context(
            reverse_proxy(
                [i.url for i in fleet],
                session.out / "proxy",
                cpus=session.plan.server_cpus,
                upstream_log=True,
            )
        )
        k6.run(proxy.base_url, script, rate, WARM_SECONDS, cpus)  # fresh instances: first requests are slower
        steady, _ = k6.run_classified(proxy.base_url, script, rate, steady_seconds, cpus)
        with under_load(proxy.base_url, script, rate, cpus) as measured:
            began = time.monotonic()
            upgrade(shared, head)  # expand, while release N serves: the migration must not break it
            migration_seconds = time.monotonic() - began
            began = time.monotonic()
            for index, old in enumerate(list(fleet)):
                new = Instance(session, config, f"-n1-{index}", fleet_env)
                stack.callback(new.stop)
                if not ready(new.url, READY_TIMEOUT_SECONDS):
                    raise RuntimeError(
                        f"{config.name}: release N+1 was not ready in {READY_TIMEOUT_SECONDS} s"
                    )
                fleet[index] = new
                proxy.reload([i.url for i in fleet])  # returns when no nginx worker sends to `old`
                old.stop()
            rollout_seconds = time.monotonic() - began
            began = time.monotonic()
            bad = Instance(session, config, "-bad", BAD_RELEASE_ENV)
            refused = not ready(bad.url, READY_TIMEOUT_SECONDS)
            bad.stop()
            rollback_seconds = time.monotonic() - began
        during, errors = measured[0]
        rolled_out = len(proxy.upstreams) == instances and originals.isdisjoint(proxy.upstreams)
        with under_load(proxy.base_url, script, rate, cpus) as measured:
            tried = canary(session, config, proxy, [i.url for i in fleet])
        canary_load, canary_errors = measured[0]
    drilled = Drill(
        server=config.name,
        front_end=config.front_end,
        instances=instances,
        steady=steady,
        during=during,
        errors=errors,
        migration=f"{previous} → {head}",
        migration_seconds=round(migration_seconds, 2),
        rollout_seconds=round(rollout_seconds, 2),
        rolled_out=rolled_out,
        bad_release_refused=refused,
        rollback_seconds=round(rollback_seconds, 2),
        canary=canary_load,
        canary_errors=canary_errors,
        canary_answers=len(tried.answers),
        canary_failed=sum(status >= 500 for status in tried.answers),
        canary_rolled_back=tried.rolled_back,
        canary_seconds=round(tried.seconds, 2),
    )
    console.print(
        f"  {drilled.failed} failed of {during.requests}, p99 {steady.p99_ms:.1f} → {during.p99_ms:.1f} ms, "
        f"rollout {drilled.rollout_seconds:g} s, bad release {'refused' if refused else 'NOT refused'} "
        f"in {drilled.rollback_seconds:g} s; canary {'' if tried.rolled_back else 'NOT '}rolled back in "
        f"{drilled.canary_seconds:g} s after {drilled.canary_failed} errors of {drilled.canary_answers}"
    )
    return drilled
